// The daemon config loader on arbitrary text: only ConfigError may escape (never a stack trace), and its message
// stays short per issue and free of raw control characters.
'use strict';
const { dist, target, expectOnly } = require('./common');
const { parseConfig, ConfigError } = dist('config/index.js');
const { checkMessage } = require('./loader-checks');

function check(data) {
  try {
    parseConfig(Buffer.from(data).toString('utf8'), 'fuzz.yaml');
  } catch (e) {
    expectOnly(e, ConfigError);
    checkMessage(e);
  }
}

module.exports.check = check;
module.exports.fuzz = target('config-load', check);
