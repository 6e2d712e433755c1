# Vindplaats: search service with the corpus indexed at build time.
#   docker build -t vindplaats . && docker run -p 8000:8000 vindplaats

# The PDF viewer's JavaScript: PDF.js from npm, pinned by the lockfile, copied by the same
# two commands as `make viewer`. Only the copy goes into the image, not Node or node_modules.
FROM node:22-bookworm-slim AS viewer
WORKDIR /viewer
COPY service/viewer/package.json service/viewer/package-lock.json service/viewer/build.mjs ./
RUN npm ci --omit=optional --no-audit --no-fund && node build.mjs /viewer/pdfjs

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VINDPLAATS_INDEX=/app/var/index \
    VINDPLAATS_CORPUS=/app/corpus

# Tesseract reads scanned PDF pages (Dutch and English models); without it scans are skipped.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nld \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 vindplaats
WORKDIR /app

# Dependencies first, so a change to the code or corpus does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p indexer service && touch indexer/__init__.py service/__init__.py \
    && pip install . && pip uninstall -y vindplaats

COPY indexer ./indexer
COPY service ./service
COPY --from=viewer /viewer/pdfjs ./service/static/pdfjs
COPY corpus ./corpus
# Links to corpus files are made absolute when served: set VINDPLAATS_PUBLIC_URL at run time.
RUN pip install --no-deps . \
    && python -m indexer build corpus --index var/index \
    && chown -R vindplaats:vindplaats /app/var

USER vindplaats
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"
CMD ["python", "-m", "service", "--index", "/app/var/index", "--host", "0.0.0.0", "--port", "8000"]
