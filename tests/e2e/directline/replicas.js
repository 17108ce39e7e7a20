// Two QaBot replicas sharing Redis, driven by Microsoft's botframework-directlinejs: a Web Chat conversation started on
// the first (page token, WebSocket) is polled and continued on the second, and the second's stream carries what is
// posted through the first. Prints one JSON line of findings; exits 1 with a message when a step fails or times out.
// Usage: node directline/replicas.js <firstBaseUrl> <secondBaseUrl>
'use strict';
const { connect, rest, domainOf, ask } = require('./client');

const [firstUrl, secondUrl] = process.argv.slice(2);
if (!firstUrl || !secondUrl) {
  console.error('usage: node replicas.js <firstBaseUrl> <secondBaseUrl>');
  process.exit(2);
}
const first = domainOf(firstUrl);
const second = domainOf(secondUrl);

async function main() {
  const findings = {};

  // 1. The page's token from the first replica (no secret: the replicas sign with the key they share), over its WebSocket.
  const response = await fetch(new URL('webchat/token', firstUrl.endsWith('/') ? firstUrl : firstUrl + '/'), { method: 'POST' });
  if (response.status !== 200) throw new Error(`POST /webchat/token answered ${response.status}`);
  const { token, conversationId } = await response.json();
  const a = connect(first, { token, webSocket: true });
  const welcome = await a.waitFor(x => x.type === 'message' && x.from?.role === 'bot', 'the welcome');
  const question = await ask(a, 'How much have Honda sales dropped?', 'client-1');
  const watermark = a.directLine.watermark;
  a.close();
  findings.first = { welcome: welcome.text, answer: question.answer.text, watermark };

  // 2. The same client polls the second replica from its watermark and asks a follow-up there.
  const b = connect(second, { token, conversationId, watermark, webSocket: false, pollingInterval: 200 });
  const followUp = await ask(b, 'and Toyota?', 'client-2');
  b.close();
  findings.second = { answer: followUp.answer.text, ids: b.received.map(x => x.id) };

  // 3. A stream on the second replica receives what is posted to, and answered on, the first.
  const c = connect(second, { token, conversationId, watermark: b.directLine.watermark, webSocket: true });
  const posted = await rest(first, 'POST', `conversations/${conversationId}/activities`, token,
    { type: 'message', from: { id: question.echo.from.id }, text: 'and Nissan?', channelData: { clientActivityID: 'client-3' } });
  if (posted.status !== 200) throw new Error(`posting to the first replica answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  const streamed = await c.waitFor(x => x.type === 'message' && x.replyToId === posted.body.id, 'the answer on the second replica\'s stream');
  c.close();
  findings.stream = { answer: streamed.text, ids: c.received.map(x => x.id) };

  // 4. The whole conversation as either replica polls it.
  const all = await Promise.all([first, second].map(domain => rest(domain, 'GET', `conversations/${conversationId}/activities`, token)));
  findings.feeds = all.map(feed => feed.body.activities.map(x => x.id));

  console.log(JSON.stringify({ conversationId, ...findings }));
}

main().then(() => process.exit(0), error => {
  console.error(error?.stack ?? error);
  process.exit(1);
});
