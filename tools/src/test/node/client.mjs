// Talks to `yalis serve` with the official OpenAI client for Node: lists the models, completes a prompt,
// and streams a chat. Prints one JSON object with what it got, for OpenAiClientIT to check.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.YALIS_URL + "/v1", apiKey: process.env.YALIS_API_KEY ?? "none" });

const models = await client.models.list();
const ids = [];
for await (const model of models) {
  ids.push(model.id);
}

const completion = await client.completions.create({
  model: ids[0], prompt: "Once upon a time", max_tokens: 24, temperature: 0,
});

const stream = await client.chat.completions.create({
  model: ids[0], messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 24, temperature: 0,
  stream: true, stream_options: { include_usage: true },
});
let chatText = "";
let chatFinish = null;
let chatUsage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.choices.length > 0) {
    chatText += chunk.choices[0].delta?.content ?? "";
    chatFinish = chunk.choices[0].finish_reason ?? chatFinish;
  }
  chatUsage = chunk.usage ?? chatUsage;
}

let missing = null;
try {
  await client.completions.create({ model: "no-such-model", prompt: "x", max_tokens: 1 });
} catch (error) {
  missing = { status: error.status, message: error.message };
}

console.log(JSON.stringify({
  models: ids,
  completion: { text: completion.choices[0].text, finish_reason: completion.choices[0].finish_reason,
                usage: completion.usage },
  chat: { text: chatText, finish_reason: chatFinish, usage: chatUsage, chunks },
  missing,
}));
