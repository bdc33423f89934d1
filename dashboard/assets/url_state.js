// Keeps the URL in step with the view: every selection lives in the query string.
// A page's callbacks compute its state; push_query writes it to the address bar (pushState, so
// back/forward work). Going back or forward within the same page reloads it from the URL.
(function () {
  function queryString(query) {
    const params = new URLSearchParams();
    Object.keys(query).forEach(function (key) {
      const value = query[key];
      if (value === null || value === undefined || value === '' ||
          (Array.isArray(value) && value.length === 0)) { return; }
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    });
    return params.toString().replace(/%2C/g, ',');
  }

  function updateLanguageLinks() {
    document.querySelectorAll('.lang-switch a').forEach(function (a) {
      const params = new URLSearchParams(window.location.search);
      params.set('lang', a.getAttribute('lang'));
      a.setAttribute('href', window.location.pathname + '?' + params.toString().replace(/%2C/g, ','));
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wic: {
      push_query: function (query) {
        if (!query) { return window.dash_clientside.no_update; }
        const qs = queryString(query);
        const target = window.location.pathname + (qs ? '?' + qs : '');
        const current = window.location.pathname + window.location.search;
        if (target !== current) {
          if (window.__wicPath === window.location.pathname) {
            window.history.pushState({wic: true}, '', target);
          } else {
            window.history.replaceState({wic: true}, '', target);   // first state of a page: no new entry
          }
        }
        window.__wicPath = window.location.pathname;
        updateLanguageLinks();
        return window.dash_clientside.no_update;
      }
    }
  });

  window.addEventListener('popstate', function () {
    if (window.__wicPath && window.__wicPath === window.location.pathname) { window.location.reload(); }
  });

  // The language choice persists: remembered when a URL names it, restored when a URL does not.
  const params = new URLSearchParams(window.location.search);
  let saved = null;
  try { saved = window.localStorage.getItem('wic-lang'); } catch (e) { saved = null; }
  if (params.get('lang')) {
    try { window.localStorage.setItem('wic-lang', params.get('lang')); } catch (e) { /* private mode */ }
  } else if (saved === 'zh') {
    params.set('lang', 'zh');
    window.location.replace(window.location.pathname + '?' + params.toString());
  }
})();
