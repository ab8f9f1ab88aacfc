// The topology loader (bgpfo plan/render) on arbitrary text: only TopologyError may escape, and its message stays
// short per issue and free of raw control characters; a topology it accepts must also build a plan.
'use strict';
const { dist, target, expectOnly } = require('./common');
const { parseTopology, TopologyError, buildPlan } = dist('orchestrator/index.js');
const { checkMessage } = require('./loader-checks');

function check(data) {
  let topology;
  try {
    topology = parseTopology(Buffer.from(data).toString('utf8'), 'fuzz.yaml');
  } catch (e) {
    expectOnly(e, TopologyError);
    checkMessage(e);
    return;
  }
  try {
    buildPlan(topology);
  } catch (e) {
    expectOnly(e, TopologyError);
    checkMessage(e);
  }
}

module.exports.check = check;
module.exports.fuzz = target('topology-load', check);
