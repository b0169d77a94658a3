/* global self, fetch, caches, Response */
// The app's own files for offline visits: every same-origin GET goes to the network first
// (so a deploy is seen at once) and is kept; when the network fails the kept copy answers.
// Models are not here: they live in the origin private file system (src/chat/model-store.ts).
const CACHE = 'llamita-app-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
        return response;
      })
      // `?model=…` pages are one page: the query does not pick the copy
      .catch(async () => (await caches.match(request, { ignoreSearch: true })) ?? Response.error()),
  );
});
