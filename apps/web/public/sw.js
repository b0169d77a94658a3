/* global self, fetch, caches, Response */
// The app's own files for offline visits: its pages, scripts, styles, workers and wasm go to
// the network first (so a deploy is seen at once) and are kept; when the network fails the
// kept copy answers. Nothing else is touched: models (even from this origin) and range
// requests go straight to the network, and live in the origin private file system
// (src/chat/model-store.ts), never twice.
const CACHE = 'llamita-app-v1';
const APP_FILES = new Set(['document', 'script', 'style', 'worker', 'sharedworker', 'manifest']);

/** Whether a request is for one of the app's own files. */
function isAppFile(request) {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || request.headers.has('Range')) return false;
  return APP_FILES.has(request.destination) || url.pathname.endsWith('.wasm');
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (!isAppFile(request)) return;
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        // keeping a copy is best effort: a full cache must not fail the page
        if (response.status === 200) await (await caches.open(CACHE)).put(request, response.clone()).catch(() => undefined);
        return response;
      })
      // `?model=…` pages are one page: the query does not pick the copy
      .catch(async () => (await caches.match(request, { ignoreSearch: true })) ?? Response.error()),
  );
});
