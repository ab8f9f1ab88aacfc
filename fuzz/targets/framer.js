// Framer: the same bytes pushed whole and cut into chunks (cut points from the first bytes) must give the same
// messages and the same error, whatever the segmentation; only BgpMessageError may escape.
'use strict';
const { dist, target, expectOnly } = require('./common');
const { Framer } = dist('bgp/framer.js');
const { BgpMessageError } = dist('bgp/errors.js');

function run(chunks, max) {
  const f = new Framer(() => max);
  const messages = [];
  for (const c of chunks) {
    let got;
    try {
      got = f.push(c);
    } catch (e) {
      expectOnly(e, BgpMessageError);
      return { messages, error: `${e.code}/${e.subcode}` };
    }
    for (const m of got) messages.push(Buffer.from(m).toString('hex'));
    if (f.failed) return { messages, error: `${f.failed.code}/${f.failed.subcode}` };
  }
  return { messages, error: null };
}

function check(data) {
  if (data.length < 2) return;
  const max = data[0] & 1 ? 65535 : 4096;
  const cuts = data[1] & 15;
  const stream = Buffer.from(data.subarray(2 + cuts));
  const points = [...data.subarray(2, 2 + cuts)].map((b) => Math.floor((b / 256) * (stream.length + 1))).sort((a, b) => a - b);
  const chunks = [];
  let at = 0;
  for (const p of points) {
    chunks.push(stream.subarray(at, p));
    at = p;
  }
  chunks.push(stream.subarray(at));
  const whole = JSON.stringify(run([stream], max));
  const split = JSON.stringify(run(chunks, max));
  if (whole !== split) throw new Error(`segmentation changed the result:\n whole ${whole}\n split ${split}`);
}

module.exports.check = check;
module.exports.fuzz = target('framer', check);
