// What the Direct Line scripts share: Microsoft's botframework-directlinejs client, unmodified, over Node's fetch and ws,
// and the REST calls they make beside it. Each function takes the API's domain ({origin}/v3/directline).
'use strict';
const WebSocket = require('ws');
const { Observable } = require('rxjs/Observable');

// directlinejs looks for the browser globals; Node 20 has neither WebSocket nor XMLHttpRequest.
globalThis.WebSocket = WebSocket;
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const TIMEOUT = 20000;

/** The API's domain for a server base URL. */
const domainOf = baseUrl => new URL('v3/directline', baseUrl.endsWith('/') ? baseUrl : baseUrl + '/').href;

// The transport directlinejs expects from rxjs' DOM ajax, over Node's fetch: resolves with {status, response},
// fails with {status, xhr} for non-2xx, as rxjs' AjaxError does.
function ajax({ method = 'GET', url, body, headers = {}, timeout }) {
  return Observable.create(subscriber => {
    const abort = new AbortController();
    const timer = timeout ? setTimeout(() => abort.abort(), timeout) : undefined;
    fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: abort.signal })
      .then(async res => {
        const text = await res.text();
        let response = null;
        try { response = text ? JSON.parse(text) : null; } catch { response = text; }
        const result = { status: res.status, response, xhr: { getResponseHeader: name => res.headers.get(name) } };
        if (res.ok) { subscriber.next(result); subscriber.complete(); } else subscriber.error(result);
      }, error => subscriber.error({ status: 0, message: String(error) }))
      .finally(() => clearTimeout(timer));
    return () => abort.abort();
  });
}

function connect(domain, options) {
  const directLine = new DirectLine({ domain, ajax, ...options });
  const received = [];
  const waiters = [];
  const subscription = directLine.activity$.subscribe(activity => {
    received.push(activity);
    for (const waiter of [...waiters]) waiter();
  }, error => { directLine.failure = error; });
  // Resolves with the first received activity matching predicate (already received or to come).
  const waitFor = (predicate, what) => new Promise((resolve, reject) => {
    const check = () => {
      const found = received.find(predicate);
      if (!found) return false;
      waiters.splice(waiters.indexOf(check), 1);
      clearTimeout(timer);
      resolve(found);
      return true;
    };
    const timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(check), 1);
      reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(received.map(a => [a.id, a.type, a.text?.slice(0, 40)]))}`));
    }, TIMEOUT);
    waiters.push(check);
    check();
  });
  const post = activity => new Promise((resolve, reject) =>
    directLine.postActivity(activity).subscribe(resolve, reject));
  const close = () => { subscription.unsubscribe(); directLine.end(); };
  return { directLine, received, waitFor, post, close };
}

async function rest(domain, method, path, token, body) {
  const res = await fetch(`${domain}/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const userIdOf = token => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).user;

// Asks `question` and waits for the echo (same clientActivityID, server id) and the bot's answer to it.
async function ask(client, question, clientActivityID) {
  const id = await client.post({ type: 'message', from: { id: userIdOf(client.directLine.token) }, text: question, channelData: { clientActivityID } });
  const echo = await client.waitFor(a => a.id === id, `the echo of ${clientActivityID}`);
  const typing = await client.waitFor(a => a.type === 'typing' && a.replyToId === id, `typing for ${clientActivityID}`);
  const answer = await client.waitFor(a => a.type === 'message' && a.from?.role === 'bot' && a.replyToId === id, `the answer to ${clientActivityID}`);
  return { postedId: id, echo, typing, answer };
}

module.exports = { WebSocket, ConnectionStatus, TIMEOUT, domainOf, connect, rest, userIdOf, ask };
