// Starts Web Chat against the bot's own Direct Line endpoint. Add ?webSocket=false to the page address to poll instead.
(async function () {
  'use strict';
  const base = new URL('.', window.location.href);
  const webSocket = new URLSearchParams(window.location.search).get('webSocket') !== 'false';
  try {
    const response = await fetch(new URL('webchat/token', base), { method: 'POST' });
    if (!response.ok) throw new Error(`The token endpoint answered ${response.status} ${response.statusText}.`);
    const { token } = await response.json();
    window.WebChat.renderWebChat(
      {
        directLine: window.WebChat.createDirectLine({ domain: new URL('v3/directline', base).href, token, webSocket }),
        locale: navigator.language,
        styleOptions: { hideUploadButton: true, bubbleMaxWidth: 640, suggestedActionLayout: 'stacked' }
      },
      document.getElementById('webchat')
    );
  } catch (error) {
    const message = document.getElementById('error');
    message.textContent = `The chat could not start: ${error.message}`;
    message.hidden = false;
  }
})();
