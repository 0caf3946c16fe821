// Loom playground: plain browser JavaScript, no build step, no external resources (the server may be offline).
const $ = (id) => document.getElementById(id);
const keyStorage = "loom.playground.apiKey";
const history = [];
let running = null; // the AbortController of the chat request in flight

$("api-key").value = localStorage.getItem(keyStorage) ?? "";
$("api-key").addEventListener("input", () => localStorage.setItem(keyStorage, $("api-key").value));

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function numberOrNull(id) {
  const v = $(id).value.trim();
  return v === "" ? null : Number(v);
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body?.error?.message ?? JSON.stringify(body);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function fill(select, models) {
  select.replaceChildren(...models.map((m) => new Option(`${m.id} (${m.loom_kind ?? "model"})`, m.id)));
  select.disabled = models.length === 0;
  if (models.length === 0) select.append(new Option("none served", ""));
}

async function loadModels() {
  try {
    const response = await fetch("/v1/models", { headers: headers() });
    if (!response.ok) throw new Error(await errorText(response));
    const models = (await response.json()).data ?? [];
    // loom_capabilities splits the list; a model without it (another server) is taken as a chat model.
    const caps = (m) => m.loom_capabilities ?? ["chat"];
    fill($("text-model"), models.filter((m) => caps(m).includes("chat")));
    fill($("image-model"), models.filter((m) => caps(m).includes("images")));
    $("models-status").textContent = `${models.length} model(s) served`;
  } catch (e) {
    $("models-status").textContent = "Could not list models: " + e.message;
  }
}
$("api-key").addEventListener("change", loadModels);

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role + ":";
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = text;
  div.append(label, content);
  $("transcript").append(div);
  return content;
}

// Reads an SSE body and calls onData with each parsed `data:` payload until [DONE].
async function readSse(body, onData) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") return;
      onData(JSON.parse(data));
    }
  }
}

$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const model = $("text-model").value;
  const text = $("message").value;
  if (!model || !text.trim() || running) return;
  $("chat-error").textContent = "";
  history.push({ role: "user", content: text });
  addMessage("user", text);
  $("message").value = "";
  const output = addMessage("assistant", "");
  const system = $("system-prompt").value.trim();
  const request = {
    model,
    messages: system ? [{ role: "system", content: system }, ...history] : [...history],
    stream: true,
    stream_options: { include_usage: true },
    temperature: numberOrNull("temperature"),
    top_p: numberOrNull("top-p"),
    max_tokens: numberOrNull("max-tokens"),
  };
  const seed = numberOrNull("seed");
  if (seed !== null) request.seed = seed;

  running = new AbortController();
  $("send").disabled = true;
  $("stop").disabled = false;
  $("ttft").textContent = "…";
  $("tokens-per-second").textContent = "…";
  let chunks = 0, first = 0, tokens = 0;
  const start = performance.now();
  $("chunk-count").textContent = "0";
  const showRate = (count) => {
    const seconds = (performance.now() - first) / 1000;
    if (count > 1 && seconds > 0) $("tokens-per-second").textContent = ((count - 1) / seconds).toFixed(1);
  };
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(), body: JSON.stringify(request), signal: running.signal,
    });
    if (!response.ok) throw new Error(await errorText(response));
    await readSse(response.body, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message ?? "stream error");
      const delta = chunk.choices?.[0]?.delta?.content;
      if (delta) {
        if (chunks === 0) {
          first = performance.now();
          $("ttft").textContent = `${Math.round(first - start)} ms`;
        }
        chunks++;
        output.textContent += delta;
        $("chunk-count").textContent = String(chunks);
        showRate(chunks);
      }
      if (chunk.usage?.completion_tokens) tokens = chunk.usage.completion_tokens;
    });
    if (tokens > 0 && first > 0) showRate(tokens);
    if (chunks === 0) $("ttft").textContent = "no tokens";
  } catch (e) {
    if (e.name === "AbortError") $("chat-error").textContent = "Stopped.";
    else $("chat-error").textContent = e.message;
  } finally {
    history.push({ role: "assistant", content: output.textContent });
    running = null;
    $("send").disabled = false;
    $("stop").disabled = true;
  }
});

// Aborting the fetch closes the connection; the server sees the request cancelled and stops generating.
$("stop").addEventListener("click", () => running?.abort());
$("clear").addEventListener("click", () => {
  history.length = 0;
  $("transcript").replaceChildren();
});

$("image-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const model = $("image-model").value;
  if (!model) return;
  $("image-error").textContent = "";
  $("image-status").textContent = "Generating…";
  $("generate").disabled = true;
  const request = { model, prompt: $("image-prompt").value, n: numberOrNull("image-n") ?? 1, response_format: "b64_json" };
  for (const [field, id] of [["guidance", "image-guidance"], ["steps", "image-steps"], ["seed", "image-seed"]]) {
    const v = numberOrNull(id);
    if (v !== null) request[field] = v;
  }
  const start = performance.now();
  try {
    const response = await fetch("/v1/images/generations", { method: "POST", headers: headers(), body: JSON.stringify(request) });
    if (!response.ok) throw new Error(await errorText(response));
    const result = await response.json();
    $("images").replaceChildren(...result.data.map((d, i) => {
      const img = new Image();
      img.src = "data:image/png;base64," + d.b64_json;
      img.alt = `generated image ${i + 1}` + (request.prompt ? ` for "${request.prompt}"` : "");
      return img;
    }));
    $("image-status").textContent = `${result.data.length} image(s), ${result.size}, ${Math.round(performance.now() - start)} ms`;
  } catch (e) {
    $("image-status").textContent = "";
    $("image-error").textContent = e.message;
  } finally {
    $("generate").disabled = false;
  }
});

loadModels();
