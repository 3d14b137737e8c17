// A tiny static file server (node:http) for dist/, on 127.0.0.1. The test starts it; so can you:
//   node examples/policy-preview/serve.mjs [port]      (builds dist/ first; default port 8080)
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json',
  '.wasm': 'application/wasm', // needed by WebAssembly.compileStreaming
};

/** Serves `root` on 127.0.0.1:`port` (0: any free port). Resolves to { url, close }. */
export async function serveStatic(root, { port = 0 } = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    let size = -1;
    try {
      if (file.startsWith(root + sep) && (req.method === 'GET' || req.method === 'HEAD')) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size, 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { buildPreview } = await import('./build.mjs');
  const { outdir, cases } = await buildPreview();
  const { url } = await serveStatic(outdir, { port: Number(process.argv[2] ?? 8080) });
  console.log(`policy preview (${cases} cases): ${url}`);
}
