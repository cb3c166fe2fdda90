/// The chat page the example serves at `GET /`.
///
/// It connects to `ws://<same host>/chat` (`wss://` when the page came over https), shows what
/// arrives and sends what is typed (text, or binary with the checkbox). With `?selftest=exchange`
/// or `?selftest=close` it runs a scripted check instead and writes the outcome as JSON (with the
/// WebSocket URL it used) into `<pre id="result">`, which the browser test reads from the DOM.
public enum ChatPage {
    /// The page: HTML with an inline script, no external resources.
    public static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>AsyncWebSocket chat</title>
        <style>
          body { font: 15px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
          #log { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: .5em; white-space: pre-wrap; }
          form { display: flex; gap: .5em; margin-top: .5em; } #text { flex: 1; }
        </style>
        </head>
        <body>
        <h1>AsyncWebSocket chat</h1>
        <div id="log"></div>
        <form id="form"><input id="text" autocomplete="off" placeholder="say something, or /quit" autofocus>
        <label><input id="binary" type="checkbox"> binary</label><button>Send</button></form>
        <pre id="result"></pre>
        <script>
        const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat";
        const log = (line) => {
          const box = document.getElementById("log");
          box.textContent += line + "\\n";
          box.scrollTop = box.scrollHeight;
        };
        const describe = (data) => typeof data === "string" ? data
          : "binary " + new Uint8Array(data).length + " bytes: " + Array.from(new Uint8Array(data)).join(" ");

        function chat() {
          const ws = new WebSocket(url);
          ws.binaryType = "arraybuffer";
          ws.onopen = () => log("connected to " + url);
          ws.onmessage = (event) => log("< " + describe(event.data));
          ws.onclose = (event) => log("disconnected (code " + event.code + (event.reason ? ", " + event.reason : "") + ")");
          document.getElementById("form").onsubmit = (event) => {
            event.preventDefault();
            const input = document.getElementById("text");
            const binary = document.getElementById("binary").checked;
            ws.send(binary ? new TextEncoder().encode(input.value) : input.value);
            input.value = "";
          };
        }

        // Scripted checks for the browser test: the outcome goes into #result as JSON.
        function selftest(kind) {
          const result = { kind, url, events: [] };
          const finish = () => { document.getElementById("result").textContent = JSON.stringify(result); };
          const ws = new WebSocket(url);
          ws.binaryType = "arraybuffer";
          let name = null;
          ws.onerror = () => result.events.push("error");
          ws.onmessage = (event) => {
            if (typeof event.data !== "string") {
              result.binary = Array.from(new Uint8Array(event.data));
              if (kind === "exchange") ws.close(1000, "done");
              return;
            }
            result.events.push(event.data);
            if (name === null && event.data.endsWith(" joined")) {
              name = event.data.slice(0, -" joined".length);
              ws.send(kind === "exchange" ? "hello from the browser" : "/quit");
            } else if (event.data === name + ": hello from the browser") {
              result.text = event.data;
              ws.send(new Uint8Array([1, 2, 3, 250]));
            }
          };
          ws.onclose = (event) => {
            result.closeCode = event.code;
            result.closeReason = event.reason;
            result.wasClean = event.wasClean;
            if (kind === "close") {
              try { ws.send("after the close"); result.sendAfterClose = "ignored"; }
              catch (error) { result.sendAfterClose = String(error.name); }
              result.readyState = ws.readyState;
            }
            finish();
          };
        }

        const kind = new URLSearchParams(location.search).get("selftest");
        if (kind) selftest(kind); else chat();
        </script>
        </body>
        </html>
        """
}
