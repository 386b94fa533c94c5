// Gemini through @google/genai: a generateContent call and a streamed one.
import { GoogleGenAI } from '@google/genai';

const ai = new GoogleGenAI({}); // reads GEMINI_API_KEY (and GOOGLE_GEMINI_BASE_URL)

const r = await ai.models.generateContent({
  model: 'gemini-2.0-flash',
  contents: 'Explain a ledger in one sentence.',
});
console.log(r.text);

const stream = await ai.models.generateContentStream({
  model: 'gemini-2.0-flash',
  contents: 'List three colours.',
});
let text = '';
for await (const chunk of stream) text += chunk.text ?? '';
console.log(text);
