// The plotly.js the dashboard serves: its core and only the trace types the charts use (make assets builds it
// with esbuild into build/plotly/plotly.min.js; dashboard/static_cache.py serves it). Add a trace type here
// before a figure uses it.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/scattergeo'),
]);

module.exports = Plotly;
