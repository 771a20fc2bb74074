'use strict';
// The dashboard's traces only: bar and pie on plotly.js's core (no WebGL, no maps, no eval).
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/pie')]);
module.exports = Plotly;
