/*! <vindplaats-search>: the embeddable Vindplaats search box. No dependencies.
 *
 *   <script src="https://SERVICE/widget.js" defer></script>
 *   <vindplaats-search></vindplaats-search>
 *
 * One custom element with a shadow root: page CSS can't reach in, ours can't leak out. It talks
 * to the JSON API of the service it was loaded from (or the `endpoint` attribute): /search for
 * results, /suggest for a completion when a half-typed query finds nothing, and a beacon to
 * /api/click when a result is opened (the search's id only: nothing about the visitor).
 * With `enhance` it adds search-as-you-type to the <form> inside it (the service's own search
 * page) instead: no shadow root, the form keeps working without JavaScript.
 * Safety: titles and all other fields are set as text; of a snippet only <mark> becomes an
 * element; only http(s) links. Docs: docs/widget.md.
 */
(() => {
  "use strict";
  const TAG = "vindplaats-search";
  if (!window.customElements || customElements.get(TAG)) return;
  const LOG = "[" + TAG + "]";

  // Where the script came from: the service is there (it may live under a path, e.g. /zoeken/).
  const script = document.currentScript;
  const BASE = script && script.src ? new URL(".", script.src).href : location.origin + "/";

  const TEXT = {
    label: "Zoeken",
    placeholder: "Zoeken…",
    "text-all": "Toon alle resultaten",
    "text-none": "Geen resultaten voor „{q}”",
    "text-loading": "Zoeken…",
    "text-error": "Zoeken lukt nu niet. Probeer het later opnieuw.",
    "text-didyoumean": "Bedoelde u",
    "text-count": "{n} resultaten",
    "text-one": "1 resultaat",
    "text-ran": "Resultaten voor „{q}”.",
    "text-instead": "Zoek in plaats daarvan naar",
    "text-unknown": "Geen resultaten voor {words}.",
  };
  const KINDS = { pdf: "PDF", kennisbank: "Kennisbank" };
  const MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split(" ");
  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

  const CSS = `
:host{display:block;position:relative;max-width:var(--vp-width,40rem)}
:host([hidden]){display:none}
.box{all:initial;display:block;position:relative;font:16px/1.45 var(--vp-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--vp-text,#1d1d1f)}
:where(.box *){box-sizing:border-box;font:inherit;color:inherit;margin:0;padding:0}
.vh{position:absolute!important;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
:host([show-label]) label.vh{position:static!important;width:auto;height:auto;clip-path:none;display:block;margin-bottom:.3em;font-weight:600}
input{display:block;width:100%;min-height:2.75em;padding:.55em .8em .55em 2.3em;font-size:16px;border:2px solid var(--vp-border,#767680);border-radius:var(--vp-radius,6px);background:var(--vp-bg,#fff) no-repeat .75em 50%/1em url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' fill='none' stroke='%23767680' stroke-width='2'%3E%3Ccircle cx='6.5' cy='6.5' r='5'/%3E%3Cpath d='m10.5 10.5 4.5 4.5'/%3E%3C/svg%3E");color:var(--vp-text,#1d1d1f);-webkit-appearance:none;appearance:none}
input:focus{outline:3px solid var(--vp-focus,#f0a500);outline-offset:1px;border-color:var(--vp-accent,#0b5c8a)}
.pop{position:absolute;z-index:2147483000;left:0;right:0;top:calc(100% + 4px);max-height:min(75vh,34rem);overflow:auto;background:var(--vp-bg,#fff);border:1px solid var(--vp-line,#c9ced6);border-radius:var(--vp-radius,6px);box-shadow:0 8px 24px rgba(0,0,0,.16);text-align:left}
.pop[hidden],[hidden]{display:none!important}
ul{list-style:none}
.pop[aria-busy] ul{opacity:.6}
a{display:block;color:inherit;text-decoration:none;padding:.6em .8em;border-bottom:1px solid var(--vp-line,#e3e6ea);cursor:pointer}
a:hover,a[aria-selected=true]{background:var(--vp-hover,#eef4f9);box-shadow:inset 4px 0 var(--vp-accent,#0b5c8a)}
.t{display:block;font-weight:600;color:var(--vp-accent,#0b5c8a);text-decoration:underline;text-underline-offset:2px}
.m{display:block;margin:.15em 0;font-size:.8em;color:var(--vp-muted,#55555c)}
.b{display:inline-block;margin-right:.5em;padding:0 .4em;border-radius:3px;font-weight:700;background:#e7eef5;color:#123}
.b.pdf{background:#fde8e4;color:#6b1a0c}
.s{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden;font-size:.9em;overflow-wrap:anywhere}
mark{background:var(--vp-mark,#fff1a8);color:inherit;padding:0 .1em;border-radius:2px}
p{padding:.7em .8em;color:var(--vp-muted,#55555c)}
button{padding:0;border:0;background:none;color:var(--vp-accent,#0b5c8a);text-decoration:underline;cursor:pointer;font-weight:600}
.all{position:sticky;bottom:0;background:var(--vp-bg,#fff);color:var(--vp-accent,#0b5c8a);text-decoration:underline;font-weight:600;border:0;box-shadow:0 -1px var(--vp-line,#e3e6ea)}
a:focus-visible,button:focus-visible{outline:3px solid var(--vp-focus,#f0a500);outline-offset:-3px}`;

  const POP = `<div class="pop" hidden><p hidden></p><ul role="listbox" hidden></ul><a class="all" hidden></a></div>
<div class="vh" role="status" aria-live="polite"></div>`;
  const HTML = `<style>${CSS}</style><div class="box" role="search">
<label class="vh" for="q"></label>
<input id="q" type="search" autocapitalize="off" spellcheck="false" enterkeyhint="search" maxlength="500">
${POP}</div>`;
  let boxes = 0;

  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    e.append(...kids);
    return e;
  };

  const decode = (s) =>
    s.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (m, e) => {
      if (e[0] !== "#") return ENTITIES[e.toLowerCase()] || m;
      const n = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : +e.slice(1);
      return n > 0 && n < 0x110000 ? String.fromCodePoint(n) : m;
    });

  // The snippet is escaped text in which only the exact tags <mark> and </mark> are HTML.
  const snippet = (s) => {
    const out = el("span", { class: "s" });
    let marked = false;
    for (const part of String(s || "").split(/(<\/?mark>)/)) {
      if (part === "<mark>") marked = true;
      else if (part === "</mark>") marked = false;
      else if (part) out.append(marked ? el("mark", {}, decode(part)) : decode(part));
    }
    return out;
  };

  const dutchDate = (iso) => {
    const m = /^(\d{4})-(\d\d)-(\d\d)/.exec(iso || "");
    return m && MONTHS[m[2] - 1] ? `${+m[3]} ${MONTHS[m[2] - 1]} ${m[1]}` : "";
  };

  const safeUrl = (u, base) => {
    try {
      const url = new URL(u, base);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  };

  // A link opened by click or middle click.
  const onOpen = (node, sel, fn) => {
    const h = (e) => {
      const a = e.target.closest(sel);
      if (a && (e.type === "click" || e.button === 1)) fn(a);
    };
    node.addEventListener("click", h);
    node.addEventListener("auxclick", h);
  };

  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  // The visitor's own query with the words the service corrected in quotes: a quoted word is
  // taken as typed. Words are lined up one to one; if they can't be, every word is quoted.
  const literal = (q, ran) => {
    const r = fold(ran).split(/\s+/), w = q.split(/\s+/);
    return w.map((x, i) => (/^[-"]/.test(x) || (r.length === w.length && fold(x) === r[i]) ? x : `"${x}"`)).join(" ");
  };

  class VindplaatsSearch extends HTMLElement {
    static get observedAttributes() {
      return ["label", "placeholder"];
    }

    constructor() {
      super();
      this.seq = 0; // request counter: a response whose number is not the latest is dropped
      this.urls = []; // the shown results' links, in order (null where not http(s))
      this.ids = []; // and their document ids
      this.q = null; // the query they belong to
      this.sid = null; // the search id of the last answer, sent as `replaces` with the next search
      this.active = -1;
    }

    setup() {
      const form = this.hasAttribute("enhance") && this.querySelector("form");
      const input = form && form.querySelector("input[name=q]");
      let root = this;
      if (input) {
        // The page's own form: its input becomes the combobox, the list is added after it (light
        // DOM, styled by the page). Enter without a chosen result submits the form as before.
        this.form = form;
        this.pid = `vp${++boxes}-`;
        const box = el("div", { class: "vp-box" });
        box.innerHTML = POP; // a constant
        this.append(box);
        form.addEventListener("submit", () => this.mark());
        this.clicks();
      } else {
        root = this.attachShadow({ mode: "open" });
        root.innerHTML = HTML; // a constant: no attribute or API data goes through innerHTML
        this.pid = "";
      }
      const $ = (s) => root.querySelector(s);
      this.input = input || $("input");
      [this.pop, this.msg, this.list, this.all, this.status] = [".pop", ".pop p", "[role=listbox]", ".all", "[role=status]"].map($);
      this.list.id = this.pid + "list";
      for (const [k, v] of Object.entries({ role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": this.list.id, autocomplete: "off" }))
        this.input.setAttribute(k, v);
      this.input.addEventListener("input", () => this.schedule());
      this.input.addEventListener("keydown", (e) => this.key(e));
      this.input.addEventListener("focus", () => this.current() && this.open(true));
      this.outside = (e) => e.composedPath().includes(this) || this.open(false);
      // Tabbing away closes the list; Esc anywhere in it closes it and returns to the input.
      root.addEventListener("focusout", (e) => e.relatedTarget && !root.contains(e.relatedTarget) && this.open(false));
      this.pop.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          this.open(false);
          this.input.focus();
        }
      });
      onOpen(this.list, "[role=option]", (a) => {
        const i = +a.id.slice(this.pid.length + 1);
        this.beacon(this.sid, i + 1, this.ids[i], this.urls[i]);
      });
    }

    // Reports an opened result (a url-encoded beacon: no CORS preflight from another site).
    beacon(sid, position, id, url) {
      if (sid && navigator.sendBeacon)
        navigator.sendBeacon(`${this.endpoint}/api/click`, new URLSearchParams({ search_id: sid, position, result_id: id || "", url: url || "" }));
    }

    // The page's own result lists name their search in data-search-id.
    clicks() {
      const url = new URL(location.href);
      if (url.searchParams.has("replaces")) {
        url.searchParams.delete("replaces"); // done its job on the server: a clean address
        history.replaceState(history.state, "", url);
      }
      for (const list of document.querySelectorAll("[data-search-id]"))
        onOpen(list, "a[data-pos]", (a) => this.beacon(list.dataset.searchId, a.dataset.pos, a.dataset.id, a.href));
    }

    // The search the form submits continues the last one typed: the log counts one.
    mark() {
      if (!this.sid || !this.current()) return;
      let f = this.form.querySelector("input[name=replaces]");
      if (!f) this.form.append((f = el("input", { type: "hidden", name: "replaces" })));
      f.value = this.sid;
    }

    text(name) {
      const alias = name === "text-none" ? this.getAttribute("text-empty") : null;
      return this.getAttribute(name) ?? alias ?? TEXT[name];
    }

    // The service's own results page for q (what Enter without a chosen result opens).
    page(q) {
      const params = new URLSearchParams(this.form ? new FormData(this.form) : {});
      params.set("q", q);
      const type = this.type;
      if (type) params.set("type", type);
      if (this.sid && this.current()) params.set("replaces", this.sid);
      else params.delete("replaces");
      return this.form ? `${this.form.action.split("?")[0]}?${params}` : `${this.endpoint}/?${params}`;
    }

    get type() {
      const t = this.form ? (this.form.querySelector("input[name=type]") || {}).value : this.getAttribute("type");
      return t === "blog" || t === "pdf" || t === "kennisbank" ? t : null;
    }

    get endpoint() {
      return (this.getAttribute("endpoint") || BASE).replace(/\/+$/, "");
    }

    connectedCallback() {
      if (!this.input) this.setup();
      this.attributeChangedCallback();
      document.addEventListener("pointerdown", this.outside);
    }

    disconnectedCallback() {
      document.removeEventListener("pointerdown", this.outside);
      clearTimeout(this.timer);
      if (this.ctl) this.ctl.abort();
    }

    attributeChangedCallback() {
      if (!this.shadowRoot || !this.input) return; // an enhanced form keeps its own label
      this.shadowRoot.querySelector("label").textContent = this.text("label");
      this.shadowRoot.querySelector(".box").setAttribute("aria-label", this.text("label"));
      this.input.placeholder = this.text("placeholder");
    }

    schedule() {
      clearTimeout(this.timer);
      if (!this.input.value.trim()) return this.reset();
      this.timer = setTimeout(() => this.search(this.input.value), 150);
    }

    // Results are on hand for what the input now says.
    current() {
      return this.q !== null && this.q === this.input.value.trim();
    }

    reset() {
      this.seq++;
      if (this.ctl) this.ctl.abort();
      this.urls = [];
      this.q = this.sid = null;
      this.list.replaceChildren();
      this.say("", "");
      this.open(false);
    }

    async get(path, params) {
      const r = await fetch(`${this.endpoint}/${path}?${new URLSearchParams(params)}`, {
        signal: this.ctl.signal,
        headers: { Accept: "application/json" },
      });
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r.json();
    }

    async search(raw) {
      const q = raw.trim().slice(0, 500);
      if (!q) return this.reset();
      const id = ++this.seq;
      if (this.ctl) this.ctl.abort();
      this.ctl = new AbortController();
      this.pop.setAttribute("aria-busy", "true");
      // Old results stay (dimmed) while new ones load; the live region is cleared so that the
      // same count is announced again.
      this.say(this.list.hidden ? this.text("text-loading") : "", "");
      this.open(true);
      const max = Math.min(50, Math.max(1, parseInt(this.getAttribute("max-results"), 10) || 5));
      const params = { q, per_page: max };
      if (this.form) for (const k of ["year", "category", "tag"]) {
        const f = this.form.querySelector(`input[name=${k}]`);
        if (f && f.value) params[k] = f.value;
      }
      if (this.type) params.type = this.type;
      if (this.sid) params.replaces = this.sid;
      try {
        const data = await this.get("search", params);
        let hint = data.suggestion;
        if (!data.total && id === this.seq) {
          // Nothing found, often a half-typed word: a completion beats a spelling correction.
          const s = await this.get("suggest", { q: q.slice(0, 100) }).catch(() => ({}));
          const done = (s.suggestions || []).find((x) => !x.url && x.text.toLowerCase() !== q.toLowerCase());
          hint = (done && done.text) || hint;
        }
        if (id === this.seq) this.render(q, data, hint);
      } catch (err) {
        if (id !== this.seq || err.name === "AbortError") return;
        console.error(LOG, "search failed:", err);
        this.urls = [];
        this.q = null;
        this.list.replaceChildren();
        this.list.hidden = this.all.hidden = true;
        this.say(this.text("text-error"), this.text("text-error"));
        this.open(true);
      } finally {
        if (id === this.seq) this.pop.removeAttribute("aria-busy");
      }
    }

    render(q, data, hint) {
      const results = (data.results || []).filter((r) => r && typeof r === "object");
      const n = data.total || results.length;
      this.q = q;
      this.sid = typeof data.search_id === "string" ? data.search_id : null;
      this.urls = results.map((r) => safeUrl(r.url, this.endpoint + "/"));
      this.ids = results.map((r) => String(r.id || ""));
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      this.list.replaceChildren(...results.map((r, i) => this.option(r, i)));
      this.list.hidden = !results.length;
      this.all.href = this.page(q);
      this.all.textContent = this.text("text-all") + (n > results.length ? ` (${n})` : "");
      this.all.hidden = !results.length;
      const count = n === 1 ? this.text("text-one") : this.text("text-count").replace("{n}", n);
      const none = this.text("text-none").replace("{q}", q);
      this.say(results.length ? "" : none, results.length ? count : none);
      const rerun = (text, run) => {
        const b = el("button", { type: "button" }, text);
        b.addEventListener("click", () => {
          this.input.value = run;
          this.input.focus();
          this.search(run);
        });
        return b;
      };
      const lines = [];
      const ran = typeof data.ran_query === "string" && data.ran_query;
      const unknown = (Array.isArray(data.unknown_words) ? data.unknown_words : []).filter((w) => typeof w === "string");
      if (unknown.length) lines.push([this.text("text-unknown").replace("{words}", unknown.map((w) => `‘${w}’`).join(", "))]);
      if (ran && results.length) {
        // What ran is said first; the visitor's own words stay one click away.
        lines.push([this.text("text-ran").replace("{q}", ran), " ", `${this.text("text-instead")} `, rerun(q, literal(q, ran))]);
      } else if (hint) {
        lines.push([...(results.length ? [] : [none, el("br")]), `${this.text("text-didyoumean")}: `, rerun(hint, hint), "?"]);
      }
      if (lines.length) {
        this.msg.replaceChildren(...lines.flatMap((l, i) => (i ? [el("br"), ...l] : l)));
        this.msg.hidden = false;
      }
      this.open(true);
    }

    option(r, i) {
      const url = this.urls[i];
      // The option's name is all its text (title, badge, date, snippet), as axe's label-in-name rule asks.
      const a = el("a", { role: "option", id: `${this.pid}o${i}`, tabindex: "-1", "aria-selected": "false" });
      if (url) a.href = url;
      const pdf = r.type === "pdf";
      const badge = el("span", { class: pdf ? "b pdf" : "b" }, (KINDS[r.type] || "Blog") + (pdf && r.page ? ` · p. ${r.page}` : ""));
      const date = dutchDate(r.date);
      const meta = el("span", { class: "m" }, badge);
      if (date) meta.append(el("time", { datetime: String(r.date).slice(0, 10) }, date));
      a.append(el("span", { class: "t" }, String(r.title || url || "")), meta, snippet(r.snippet));
      return el("li", { role: "none" }, a);
    }

    // The visible message (loading, none, error) and the text the live region announces.
    say(visible, spoken) {
      this.msg.textContent = visible;
      this.msg.hidden = !visible;
      if (spoken !== undefined && this.status.textContent !== spoken) this.status.textContent = spoken;
    }

    open(show) {
      show = show && !!this.input.value.trim();
      this.pop.hidden = !show;
      this.input.setAttribute("aria-expanded", String(show && !this.list.hidden));
      if (!show) this.move(-1);
    }

    move(i) {
      const options = this.list.querySelectorAll("[role=option]");
      if (this.active >= 0 && options[this.active]) options[this.active].setAttribute("aria-selected", "false");
      this.active = i;
      if (i < 0 || !options[i]) return this.input.removeAttribute("aria-activedescendant");
      options[i].setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", options[i].id);
      options[i].scrollIntoView({ block: "nearest" });
    }

    key(e) {
      if (e.isComposing) return;
      const n = this.urls.length;
      const shown = !this.pop.hidden;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!shown) {
          if (this.current()) this.open(true);
          else if (this.input.value.trim()) this.search(this.input.value);
          return;
        }
        if (!n) return;
        const step = e.key === "ArrowDown" ? 1 : -1;
        this.move(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
      } else if (e.key === "Enter") {
        const q = this.input.value.trim();
        const chosen = shown && this.active >= 0;
        if (!chosen && this.form) return; // the form submits itself (and says what it continues)
        e.preventDefault();
        const url = chosen ? this.urls[this.active] : q && this.page(q);
        if (chosen && url) this.beacon(this.sid, this.active + 1, this.ids[this.active], url);
        if (url) location.href = url;
      } else if (e.key === "Escape") {
        e.preventDefault(); // also stops the browser clearing a search field by itself
        if (shown) {
          clearTimeout(this.timer);
          if (this.pop.hasAttribute("aria-busy")) {
            this.seq++; // a response still underway must not reopen the list
            this.q = null;
            this.pop.removeAttribute("aria-busy");
          }
          this.open(false);
        } else {
          this.input.value = "";
          this.reset();
        }
      }
    }
  }

  customElements.define(TAG, VindplaatsSearch);
})();
