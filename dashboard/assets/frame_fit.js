// Same-origin frames marked .fit-frame (the briefing) take the height of their content: nothing is cut off
// on a phone, where the brief is much taller than on paper.
(function () {
  function fit(frame) {
    try {
      const doc = frame.contentDocument;
      if (!doc || !doc.documentElement) { return; }
      frame.style.height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0) + 'px';
    } catch (e) { /* not same-origin: keep the CSS height */ }
  }
  function watch(frame) {
    if (frame.__wicFit) { return; }
    frame.__wicFit = true;
    frame.addEventListener('load', function () {
      fit(frame);
      const doc = frame.contentDocument;
      if (doc && window.ResizeObserver) { new ResizeObserver(function () { fit(frame); }).observe(doc.documentElement); }
    });
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete') { fit(frame); }
  }
  new MutationObserver(function () {
    document.querySelectorAll('iframe.fit-frame').forEach(watch);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
