/*! The Vindplaats PDF viewer: PDF.js components on a page of our own.
 *
 * The page (/viewer, service/templates/viewer.html) names the PDF, the page to open and the
 * words to highlight (worked out by the service with the search's own analysis). This module
 * loads PDF.js from the service (never a CDN), shows the PDF with PDFViewer, jumps to the page
 * and lets PDFFindController mark the words; the first match on that page is selected and
 * scrolled into view. Everything runs under `default-src 'self'`: no inline script, no eval
 * (isEvalSupported: false), worker, CMaps, fonts and WebAssembly from our own origin.
 */
const container = document.getElementById("viewerContainer");
const data = container.dataset;
const base = new URL(data.pdfjs, document.baseURI);
const asset = (path) => new URL(path, base).href;

// pdf_viewer.mjs reads the library from globalThis.pdfjsLib, which pdf.min.mjs sets: load in order.
const pdfjsLib = await import(asset("build/pdf.min.mjs"));
const { EventBus, PDFFindController, PDFLinkService, PDFViewer } = await import(asset("web/pdf_viewer.mjs"));

const $ = (id) => document.getElementById(id);
const pageInput = $("pageno");
const pageCount = $("pagecount");
const zoom = $("zoom");
const status = $("status");
const words = JSON.parse(data.words || "[]");
const wanted = Math.max(1, parseInt(data.page, 10) || 1);

// The few interface strings PDF.js itself puts in the page, in Dutch (its own l10n would fetch
// translation files, and the built-in fallback is English). Only what this viewer can show.
const DUTCH = {
  "pdfjs-page-landmark": (args) => ({ "aria-label": `Pagina ${args.page}` }),
  "pdfjs-text-annotation-type": (args) => ({ alt: `[Notitie: ${args.type}]` }),
};
class DutchL10n {
  #roots = new Set();
  #observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") this.#one(r.target);
      else for (const node of r.addedNodes) if (node.nodeType === 1) this.#apply(node);
    }
  });
  getLanguage() {
    return "nl";
  }
  getDirection() {
    return "ltr";
  }
  async get(id, args) {
    const entry = DUTCH[id];
    return entry ? Object.values(entry(args || {}))[0] : "";
  }
  #one(el) {
    const entry = DUTCH[el.getAttribute("data-l10n-id")];
    if (!entry) return;
    let args = {};
    try {
      args = JSON.parse(el.getAttribute("data-l10n-args") || "{}");
    } catch {}
    for (const [name, value] of Object.entries(entry(args))) el.setAttribute(name, value);
  }
  #apply(root) {
    if (root.hasAttribute("data-l10n-id")) this.#one(root);
    for (const el of root.querySelectorAll("[data-l10n-id]")) this.#one(el);
  }
  #watch(root) {
    this.#observer.observe(root, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-l10n-id", "data-l10n-args"],
    });
  }
  async translate(root) {
    this.#roots.add(root);
    this.#apply(root);
    this.#watch(root);
  }
  async translateOnce(el) {
    this.#apply(el);
  }
  pause() {
    this.#observer.disconnect();
  }
  resume() {
    for (const root of this.#roots) this.#watch(root);
  }
  async destroy() {
    this.#observer.disconnect();
    this.#roots.clear();
  }
}

pdfjsLib.GlobalWorkerOptions.workerSrc = asset("build/pdf.worker.min.mjs");
const eventBus = new EventBus();
const linkService = new PDFLinkService({ eventBus, externalLinkRel: "noopener noreferrer nofollow" });
const findController = new PDFFindController({ eventBus, linkService });
const l10n = new DutchL10n();
const viewer = new PDFViewer({
  container,
  viewer: $("viewer"),
  eventBus,
  linkService,
  findController,
  l10n,
  textLayerMode: 1,
  annotationEditorMode: pdfjsLib.AnnotationEditorType.DISABLE,
  imageResourcesPath: asset("web/images/"),
  removePageBorders: false,
});
linkService.setViewer(viewer);
// PDF.js leaves translating to the page when it is handed an l10n object.
l10n.translate(container);

const say = (text) => {
  if (status.textContent !== text) status.textContent = text;
};

const showPage = (n) => {
  pageInput.value = String(n);
  $("prev").disabled = n <= 1;
  $("next").disabled = n >= viewer.pagesCount;
};

const showScale = () => {
  const value = String(viewer.currentScaleValue);
  const known = [...zoom.options].some((o) => o.value === value && !o.disabled);
  const custom = zoom.querySelector("option[value=custom]");
  custom.hidden = known;
  custom.textContent = `${Math.round(viewer.currentScale * 100)}%`;
  zoom.value = known ? value : "custom";
};

eventBus.on("pagesinit", () => {
  pageCount.textContent = `van ${viewer.pagesCount}`;
  viewer.currentScaleValue = container.clientWidth < 600 ? "page-width" : "auto";
  viewer.currentPageNumber = Math.min(wanted, viewer.pagesCount);
  showPage(viewer.currentPageNumber);
  showScale();
  if (words.length) {
    // An array query finds each word on its own; the search starts at the current page, so
    // the selected (and scrolled-to) match is the first one on the page the result named.
    eventBus.dispatch("find", {
      source: null,
      type: "",
      query: words,
      caseSensitive: false,
      entireWord: true,
      highlightAll: true,
      findPrevious: false,
      matchDiacritics: false,
    });
  }
});

eventBus.on("pagechanging", ({ pageNumber }) => {
  showPage(pageNumber);
  say(`Pagina ${pageNumber} van ${viewer.pagesCount}`);
});
eventBus.on("scalechanging", showScale);
eventBus.on("updatefindmatchescount", ({ matchesCount }) => {
  if (matchesCount && matchesCount.total) {
    say(`${matchesCount.total} ${matchesCount.total === 1 ? "markering" : "markeringen"} in dit document`);
  }
});

const go = (n) => {
  if (!viewer.pagesCount) return;
  viewer.currentPageNumber = Math.max(1, Math.min(viewer.pagesCount, n));
};

$("prev").addEventListener("click", () => viewer.previousPage());
$("next").addEventListener("click", () => viewer.nextPage());
$("zoomin").addEventListener("click", () => viewer.increaseScale());
$("zoomout").addEventListener("click", () => viewer.decreaseScale());
zoom.addEventListener("change", () => {
  if (zoom.value !== "custom") viewer.currentScaleValue = zoom.value;
});
const takePage = () => {
  const n = parseInt(pageInput.value, 10);
  if (n >= 1) go(n);
  else showPage(viewer.currentPageNumber);
};
pageInput.addEventListener("change", takePage);
pageInput.addEventListener("keydown", (e) => {
  if (e.key === "Enter") {
    e.preventDefault();
    takePage();
  }
});

// Page keys turn pages wherever the focus is, except in the page field and the zoom list
// (which use them themselves); arrows keep scrolling the document as usual.
document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const typing = e.target === pageInput || e.target === zoom;
  const keys = {
    PageDown: () => viewer.nextPage(),
    PageUp: () => viewer.previousPage(),
    Home: () => go(1),
    End: () => go(viewer.pagesCount),
  };
  const action = !typing && keys[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

try {
  const pdf = await pdfjsLib.getDocument({
    url: new URL(data.pdf, document.baseURI).href,
    cMapUrl: asset("cmaps/"),
    cMapPacked: true,
    standardFontDataUrl: asset("standard_fonts/"),
    wasmUrl: asset("wasm/"),
    iccUrl: asset("iccs/"),
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  viewer.setDocument(pdf);
  linkService.setDocument(pdf, null);
} catch (err) {
  console.error("[vindplaats-viewer] the PDF did not load:", err);
  $("failure").hidden = false;
  container.hidden = true;
  say("De PDF kon niet worden geladen.");
}
