// The share menu under every chart: copy the link (the URL holds the whole view), download the chart as PNG or
// SVG (title, unit, year, source and licence are drawn inside the figure), or its drawn data as CSV.
(function () {
  function graphOf(button) {
    const block = button.closest('.chart-block');
    return block && block.querySelector('.js-plotly-plot');
  }
  function csvCell(value) {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function plain(html) { return (html || '').replace(/<br>/g, ' ').replace(/<[^>]+>/g, ''); }
  // Exactly the points drawn: one row per point of every visible trace (a map's values are its customdata,
  // since its colours may be on a log scale).
  function rows(gd) {
    const out = [];
    (gd.data || []).forEach(function (trace) {
      if (trace.visible === false || trace.visible === 'legendonly' || trace.hoverinfo === 'skip') { return; }
      if (trace.type === 'scattergeo') { return; }   // small economies: already rows of the choropleth
      if (trace.type === 'choropleth') {
        const keys = trace.locations || [];
        const values = trace.customdata || [];
        keys.forEach(function (k, i) { if (values[i] !== undefined) { out.push([trace.name, k, '', values[i]]); } });
        return;
      }
      const xs = trace.x || [], ys = trace.y || [];
      xs.forEach(function (x, i) {
        if (trace.orientation === 'h') { out.push([trace.name || '', ys[i], '', x]); }
        else { out.push([trace.name || '', (trace.ids || [])[i] || '', x, ys[i]]); }
      });
    });
    return out;
  }
  function save(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], {type: type}));
    const a = document.createElement('a');
    a.href = url; a.download = name; document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 0);
  }
  document.addEventListener('click', function (event) {
    const button = event.target.closest('[data-share]');
    if (!button) { return; }
    const gd = graphOf(button);
    const what = button.getAttribute('data-share');
    const name = (button.getAttribute('data-name') || 'wic-chart');
    if (what === 'link') {
      const done = function () { button.setAttribute('data-done', '1'); };
      if (navigator.clipboard) { navigator.clipboard.writeText(window.location.href).then(done, done); } else { done(); }
      return;
    }
    if (what === 'embed') {
      const src = window.location.origin + button.getAttribute('data-embed') + window.location.search;
      const code = '<iframe src="' + src.replace(/"/g, '&quot;') + '" width="100%" height="720" ' +
                   'style="border:0" title="' + document.title.replace(/"/g, '&quot;') + '"></iframe>';
      const menu = button.closest('.share');
      let box = menu.querySelector('textarea.embed-code');
      if (!box) {
        box = document.createElement('textarea');
        box.className = 'embed-code'; box.readOnly = true; box.rows = 3;
        box.setAttribute('aria-label', button.textContent);
        menu.appendChild(box);
      }
      box.value = code; box.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(code).catch(function () {}); }
      return;
    }
    if (!gd || !window.Plotly) { return; }
    if (what === 'png' || what === 'svg') {
      window.Plotly.downloadImage(gd, {format: what, filename: name, width: gd.offsetWidth, height: gd.offsetHeight,
                                       scale: what === 'png' ? 2 : 1});
      return;
    }
    if (what === 'csv') {
      const layout = gd.layout || {};
      const title = plain(layout.title && layout.title.text);
      const note = plain(layout.title && layout.title.subtitle && layout.title.subtitle.text);
      const caption = (button.closest('.chart-block').querySelector('.caption') || {}).textContent || '';
      const zh = ((button.closest('[lang]') || document.documentElement).lang || '').indexOf('zh') === 0;
      const cite = zh ? '# 引用：世界互联网大会数字经济观察，' + window.location.href + '，获取日期 '
                      : '# Cite as: WIC Digital Economy Observatory, ' + window.location.href + ', retrieved ';
      const lines = ['# ' + title, '# ' + (caption || note), cite + new Date().toISOString().slice(0, 10),
                     '# ' + ((document.querySelector('footer.footer') || {dataset: {}}).dataset.citation || ''),
                     'series,key,x,value'];
      rows(gd).forEach(function (r) { lines.push(r.map(csvCell).join(',')); });
      // Chinese files start with a UTF-8 byte-order mark, so that Excel reads them as UTF-8
      save(name + '.csv', 'text/csv', (zh ? '\ufeff' : '') + lines.join('\n') + '\n');
    }
  });
})();
