// Copies the parts of pdfjs-dist that the viewer loads into service/static/pdfjs/ (or the
// directory given as the first argument). Run by `make viewer` and the Dockerfile after
// `npm ci`; the output is not committed (about 5 MB, mostly CMaps and fonts loaded on demand).
//
// Only the library build is shipped (pdf.min.mjs, its worker, the web components of
// pdf_viewer.mjs), never the demo viewer app. Left out: source maps, the legacy build, the
// scripting sandbox and QuickJS (scripting is off), and TypeScript types.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "node_modules", "pdfjs-dist");
const out = resolve(process.argv[2] || join(here, "..", "static", "pdfjs"));

if (!existsSync(src)) {
  console.error(`build.mjs: ${src} is missing; run \`npm ci --omit=optional\` in ${here} first`);
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));

const FILES = [
  "LICENSE",
  "build/pdf.min.mjs",
  "build/pdf.worker.min.mjs",
  "web/pdf_viewer.mjs",
  "web/pdf_viewer.css",
];
// Whole folders: images the CSS refers to, CMaps for CJK fonts, the 14 standard fonts, image
// decoders (JBIG2, JPEG 2000) and colour management (ICC) in WebAssembly with JS fallbacks.
const DIRS = ["web/images", "cmaps", "standard_fonts", "iccs", "wasm"];
const SKIP = /(^|\/)quickjs-eval\.|\.map$/;
// Served pre-compressed (name.gz beside the file) to browsers that accept gzip: the service
// itself does not compress, and script, style, WebAssembly and fonts shrink to a third or less.
const GZIP = new Set([".mjs", ".js", ".css", ".wasm", ".ttf", ".pfb", ".svg"]);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of FILES) {
  mkdirSync(dirname(join(out, file)), { recursive: true });
  cpSync(join(src, file), join(out, file));
}
for (const dir of DIRS) {
  cpSync(join(src, dir), join(out, dir), {
    recursive: true,
    filter: (path) => !SKIP.test(path.slice(src.length + 1)),
  });
}
writeFileSync(join(out, "VERSION"), version + "\n");

let bytes = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      walk(path);
      continue;
    }
    const data = readFileSync(path);
    bytes += data.length;
    if (!GZIP.has(extname(path))) continue;
    const packed = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
    if (packed.length < data.length * 0.9) writeFileSync(path + ".gz", packed);
  }
};
walk(out);
console.log(`pdfjs-dist ${version} -> ${out} (${(bytes / 1e6).toFixed(1)} MB, plus .gz copies)`);
