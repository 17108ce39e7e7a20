// Exercises QaBot's Direct Line 3.0 endpoint with Microsoft's own client, botframework-directlinejs, as an independent
// client: start with a token, post, receive over the WebSocket, resume from a watermark, poll, and the cross-conversation
// token check. Prints one JSON line of findings; exits 1 with a message when a step fails or times out.
// A server-closed socket is also covered: directlinejs reconnects by itself (GET /conversations/{id}?watermark=).
// Usage: node directline/directline-api.js <serverBaseUrl> <directLineSecret>
'use strict';
const client = require('./client');
const { WebSocket, ConnectionStatus, TIMEOUT, userIdOf, ask } = client;

const [baseUrl, secret] = process.argv.slice(2);
if (!baseUrl || !secret) {
  console.error('usage: node directline-api.js <serverBaseUrl> <directLineSecret>');
  process.exit(2);
}
const domain = client.domainOf(baseUrl);
const QUESTION = 'How much have Honda sales dropped?';
const FOLLOW_UP = 'Why is Nissan cutting production?';
const AFTER_RECONNECT = 'How many consecutive months has Honda been in negative growth?';

const rest = (method, path, token, body) => client.rest(domain, method, path, token, body);
const connect = options => client.connect(domain, options);

async function generateToken() {
  const { status, body } = await rest('POST', 'tokens/generate', secret);
  if (status !== 200) throw new Error(`tokens/generate answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function main() {
  const findings = {};

  // 1. Start with a token (the secret stays server-side), over the WebSocket.
  const tokenA = await generateToken();
  // random: () => 0 makes directlinejs wait its minimum (3 s) before reconnecting a closed socket.
  const a = connect({ token: tokenA.token, webSocket: true, random: () => 0 });
  const welcome = await a.waitFor(a => a.type === 'message' && a.from?.role === 'bot', 'the welcome');
  const first = await ask(a, QUESTION, 'client-1');
  findings.websocket = {
    conversationId: a.directLine.conversationId,
    tokenConversationId: tokenA.conversationId,
    streamUrl: a.directLine.streamUrl,
    welcome: welcome.text,
    postedId: first.postedId,
    echoId: first.echo.id,
    echoClientActivityID: first.echo.channelData?.clientActivityID,
    echoFromId: first.echo.from?.id,
    userId: userIdOf(tokenA.token),
    // Ids are the server's sequence (fixed width), so they order the feed whatever order the client emitted them in.
    typingBeforeAnswer: first.typing.id < first.answer.id,
    answer: first.answer.text,
    citationEntities: (first.answer.entities ?? []).filter(e => e.type === 'https://schema.org/Message').flatMap(e => e.citation ?? []).length,
    suggestedActions: (first.answer.suggestedActions?.actions ?? []).map(x => x.title),
  };

  // The server ends A's socket when another stream opens for the conversation (one stream each, as on Azure);
  // directlinejs reconnects from its watermark and the conversation goes on without losses or repeats.
  const other = await rest('GET', `conversations/${tokenA.conversationId}`, tokenA.token);
  await new Promise((resolve, reject) => {
    const socket = new WebSocket(other.body.streamUrl);
    socket.on('open', () => { socket.close(); resolve(); });
    socket.on('error', reject);
  });
  const afterReconnect = await ask(a, AFTER_RECONNECT, 'client-1b');
  const ids = a.received.map(x => x.id);
  const sequence = ids.map(id => Number(id.split('|')[1])).sort((x, y) => x - y);
  findings.serverClosedReconnect = {
    answer: afterReconnect.answer.text,
    duplicates: ids.filter((id, i) => ids.indexOf(id) !== i),
    contiguous: sequence.every((n, i) => n === i + 1), // every activity from the first one on, none missing
  };

  const watermark = a.directLine.watermark;
  const seenIds = a.received.map(x => x.id);
  a.close();

  // 2. While nobody listens, the conversation moves on; a new client resumes from the watermark.
  const posted = await rest('POST', `conversations/${tokenA.conversationId}/activities`, tokenA.token,
    { type: 'message', from: { id: userIdOf(tokenA.token) }, text: FOLLOW_UP, channelData: { clientActivityID: 'client-2' } });
  if (posted.status !== 200) throw new Error(`posting while disconnected answered ${posted.status}`);
  let feed;
  for (const start = Date.now(); ; await new Promise(r => setTimeout(r, 100))) {
    feed = (await rest('GET', `conversations/${tokenA.conversationId}/activities?watermark=${watermark}`, tokenA.token)).body;
    if (feed.activities.some(x => x.type === 'message' && x.replyToId === posted.body.id)) break;
    if (Date.now() - start > TIMEOUT) throw new Error('the follow-up was not answered');
  }
  const resumed = connect({ token: tokenA.token, conversationId: tokenA.conversationId, watermark, webSocket: true });
  await resumed.waitFor(x => x.type === 'message' && x.replyToId === posted.body.id, 'the resumed answer');
  findings.resume = {
    watermark,
    expectedIds: feed.activities.map(x => x.id),
    receivedIds: resumed.received.map(x => x.id),
    alreadySeen: resumed.received.filter(x => seenIds.includes(x.id)).map(x => x.id),
  };
  resumed.close();

  // 3. Polling (webSocket: false), in a second conversation.
  const tokenB = await generateToken();
  const b = connect({ token: tokenB.token, webSocket: false, pollingInterval: 200 });
  await b.waitFor(x => x.type === 'message' && x.from?.role === 'bot', 'the polled welcome');
  const polled = await ask(b, QUESTION, 'client-3');
  findings.polling = { conversationId: tokenB.conversationId, echoClientActivityID: polled.echo.channelData?.clientActivityID, answer: polled.answer.text };
  b.close();

  // 4. A's token cannot read or post to B, with the REST API or with directlinejs.
  const readOther = await rest('GET', `conversations/${tokenB.conversationId}/activities`, tokenA.token);
  const postOther = await rest('POST', `conversations/${tokenB.conversationId}/activities`, tokenA.token, { type: 'message', text: 'hi' });
  const intruder = connect({ token: tokenA.token, conversationId: tokenB.conversationId, webSocket: false, pollingInterval: 200 });
  const status = await new Promise(resolve => {
    const timer = setTimeout(() => resolve(intruder.directLine.connectionStatus$.getValue()), TIMEOUT);
    intruder.directLine.connectionStatus$.subscribe(s => {
      if (s === ConnectionStatus.ExpiredToken || s === ConnectionStatus.FailedToConnect) { clearTimeout(timer); resolve(s); }
    });
  });
  findings.crossConversation = {
    readStatus: readOther.status,
    readTitle: readOther.body?.title,
    postStatus: postOther.status,
    clientStatus: ConnectionStatus[status],
    activitiesLeaked: intruder.received.length,
  };
  intruder.close();

  console.log(JSON.stringify(findings));
}

main().then(() => process.exit(0), error => {
  console.error(error?.stack ?? error);
  process.exit(1);
});
