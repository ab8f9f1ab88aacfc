// What every loader error message must be: lines of bounded length, no raw control characters (issue 12).
'use strict';
function checkMessage(e) {
  for (const line of String(e.message).split('\n')) {
    if (line.length > 1000) throw new Error(`an error line of ${line.length} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line)) throw new Error(`raw control characters in: ${JSON.stringify(line.slice(0, 200))}`);
  }
}
module.exports = { checkMessage };
