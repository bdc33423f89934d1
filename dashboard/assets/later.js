// What a page's first chart does not need comes after it is painted (dashboard/page_layout.py): the charts after
// the first one and the options of long dropdowns are set once the first chart or grid row is on screen (at the
// latest after 3 s), so that Plotly and the dropdowns' search indexes do not delay it. A chart drawn first in part
// (dashboard/figures.py first_rows) gets its whole figure then.
(function () {
  'use strict';
  const DRAWN = '.dash-graph .main-svg .trace, .dash-graph .main-svg .choroplethlocation, ' +
    '.dash-graph .main-svg .annotation-text, .ag-row';
  const LONGEST = 3000;

  function painted(wait) {
    return new Promise(function (resolve) {
      const start = performance.now();
      (function check() {
        if (!wait || document.querySelector(DRAWN) || performance.now() - start > LONGEST) {
          requestAnimationFrame(function () { setTimeout(resolve, 0); });   // after the frame that shows it
        } else {
          requestAnimationFrame(check);
        }
      }());
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wic_later: {
      apply: function (later) {
        if (!later || !later.props || !Object.keys(later.props).length) { return window.dash_clientside.no_update; }
        return painted(later.wait).then(function () {
          Object.keys(later.props).forEach(function (id) {
            const props = Object.assign({}, later.props[id]);
            const plot = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
            if ('figure' in props && plot && plot.data && plot.data.length) {
              delete props.figure;   // a callback drew this chart meanwhile: its answer is newer
            }
            if (Object.keys(props).length) { window.dash_clientside.set_props(id, props); }
          });
          return null;
        });
      },
      whole: function (figure) {
        const id = window.dash_clientside.callback_context.outputs_list.id;
        return painted(true).then(function () {
          const plot = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
          const meta = plot && plot.layout && plot.layout.meta;
          // only over the part drawn first: a callback's answer that came meanwhile stays
          return figure && meta && meta.wic_part === 'first-rows' ? figure : window.dash_clientside.no_update;
        });
      },
    },
  });
}());
