// dcc.Graph fetches plotly.js from window._dashPlotlyJSURL when a page did not load it (the explorer and the
// sources page draw no chart as they load). Dash's renderer sets that to its full bundle; keep it on the small
// fingerprinted one that <meta name="wic-plotly"> names (dashboard/static_cache.py).
(function () {
  const meta = document.querySelector('meta[name="wic-plotly"]');
  if (!meta || !meta.content) { return; }
  const url = meta.content;
  Object.defineProperty(window, '_dashPlotlyJSURL', {
    configurable: true, get: function () { return url; }, set: function () { /* Dash's full bundle: not used */ },
  });
}());
