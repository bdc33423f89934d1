// The share menu under every chart: copy the link (the URL holds the whole view), download the chart as PNG or
// SVG (title, unit, year, source and licence are drawn inside the figure, or below it: see exported), or its drawn
// data as CSV.
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
  function escaped(text) { return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
  // Lines of at most `width` pixels in `font` (Plotly does not wrap): words break at spaces, CJK between characters.
  function wrapped(text, width, font) {
    const measure = document.createElement('canvas').getContext('2d');
    measure.font = font;
    const lines = [''];
    (text.match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+/g) || [])
      .forEach(function (token) {
        const line = lines[lines.length - 1];
        if (line && measure.measureText((line + token).trimEnd()).width > width) { lines.push(token.trimStart()); }
        else { lines[lines.length - 1] = line + token; }
      });
    return lines.map(function (line) { return line.trimEnd(); }).filter(Boolean);
  }
  // The image of a chart as drawn; one whose subtitle names its sources only (layout.meta.credits holds each with
  // its licence: dashboard/figures.credited) gets that text below it, so the downloaded file carries every licence.
  function exported(gd) {
    const layout = gd.layout || {}, full = gd._fullLayout || {};
    const credits = layout.meta && layout.meta.credits;
    if (!credits) { return {figure: gd, width: gd.offsetWidth, height: gd.offsetHeight}; }
    const width = full.width || gd.offsetWidth, height = full.height || gd.offsetHeight;   // as drawn, not its box
    const size = full._size || {l: 0, b: 0};
    const family = (full.font && full.font.family) || 'sans-serif';
    const lines = wrapped(credits, width - 20, '11px ' + family);
    // Plotly lifts an axis title that would hang below the chart's edge (a translate up on its group); with room
    // below, the image draws it where it belongs, that much lower: the credits start below it
    const below = size.t + size.h;
    const lift = Math.max(0, ...[...gd.querySelectorAll('.infolayer g[class^="g-x"][class$="title"]')].map(function (g) {
      const text = g.querySelector('text');
      const moved = /translate\(\s*[-\d.e]+\s*[, ]\s*(-[\d.e]+)\s*\)/.exec(g.getAttribute('transform') || '');
      return text && moved && parseFloat(text.getAttribute('y')) > below ? -parseFloat(moved[1]) : 0;
    }));
    const extra = lift + 16 * lines.length + 12;
    const note = {text: lines.map(escaped).join('<br>'), showarrow: false, align: 'left', xref: 'paper', yref: 'paper',
                  x: 0, y: 0, xanchor: 'left', yanchor: 'top', xshift: 10 - size.l, yshift: -size.b - lift - 4,
                  font: {family: family, size: 11, color: '#444'}};
    // what hangs from the figure's edges (yref 'container': a legend at the bottom) keeps its place above the credits
    const lifted = function (item) {
      return item && item.yref === 'container' && typeof item.y === 'number'
        ? Object.assign({}, item, {y: (item.y * height + extra) / (height + extra)}) : item;
    };
    const copy = Object.assign({}, layout, {
      width: width, height: height + extra, legend: lifted(layout.legend),
      annotations: (layout.annotations || []).map(lifted).concat([note]),
      margin: Object.assign({}, layout.margin, {b: size.b + extra})});
    return {figure: {data: gd.data, layout: copy, config: {topojsonURL: (gd._context || {}).topojsonURL}},
            width: width, height: height + extra};
  }
  function save(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], {type: type}));
    const a = document.createElement('a');
    a.href = url; a.download = name; document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 0);
  }
  function download(gd, format, name) {
    const image = exported(gd);
    window.Plotly.downloadImage(image.figure, {format: format, filename: name, width: image.width,
                                               height: image.height, scale: format === 'png' ? 2 : 1});
  }
  // Plotly's camera in a modebar downloads what the share menu's PNG does (Plotly's own image would leave out the
  // credits): its click is taken here, on the way down, before the button's own handler sees it.
  function isCamera(button, gd) {
    const context = gd._context || {};
    const words = ((context.locales || {})[context.locale] || {}).dictionary || {};
    return ['Download plot as a PNG', 'Download plot'].some(function (title) {
      return button.getAttribute('data-title') === (words[title] || title);
    });
  }
  document.addEventListener('click', function (event) {
    const button = event.target.closest && event.target.closest('.modebar-btn');
    const gd = button && button.closest('.js-plotly-plot');
    if (!gd || !window.Plotly || !isCamera(button, gd)) { return; }
    event.stopPropagation();
    event.preventDefault();
    download(gd, 'png', ((gd._context || {}).toImageButtonOptions || {}).filename || 'wic-chart');
  }, true);
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
      download(gd, what, name);
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
