// The bubble chart's year (its own slider and play button, inside Plotly) goes to the page state, so the
// URL keeps it (?byear=) and a shared link opens on the same year.
(function () {
  function report(year) {
    if (!year || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    window.dash_clientside.set_props('compare-bubble-year', {data: parseInt(year, 10)});
  }
  function attach(gd) {
    if (gd.__wicYear || typeof gd.on !== 'function') { return; }
    gd.__wicYear = true;
    gd.on('plotly_sliderchange', function (e) { if (e && e.step) { report(e.step.label); } });
    gd.on('plotly_animated', function () {
      const s = gd._fullLayout && gd._fullLayout.sliders && gd._fullLayout.sliders[0];
      if (s && s.steps && s.steps[s.active]) { report(s.steps[s.active].label); }
    });
  }
  new MutationObserver(function () {
    const gd = document.querySelector('#compare-bubbles .js-plotly-plot');
    if (gd) { attach(gd); }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
