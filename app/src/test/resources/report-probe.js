// Appended to the demo report by ReportInBrowserIT: measures the page as laid out (inside an iframe of the width
// under test) and writes key=value lines into a pre element of the top document, which chromium's --dump-dom prints.
(function () {
  var out = [];
  function put(k, v) { out.push(k + '=' + v); }
  var root = document.documentElement;
  put('pageWidth', root.scrollWidth);
  put('viewportWidth', root.clientWidth);
  var svgs = Array.prototype.slice.call(document.querySelectorAll('svg'));
  put('charts', svgs.length);
  var outside = 0;
  svgs.forEach(function (s) {
    var r = s.getBoundingClientRect();
    if (r.left < -0.5 || r.right > root.clientWidth + 0.5) { outside++; }
  });
  put('chartsOutside', outside);
  var chart = svgs.filter(function (s) {
    var t = s.querySelector('text');
    return t && t.textContent.indexOf('threshold and decisions') >= 0;
  })[0];
  if (chart) {
    var texts = Array.prototype.map.call(chart.querySelectorAll('text'), function (t) { return t.textContent; });
    ['BENIGN', 'ABSTAIN', 'ANOMALY', 'threshold', 'true change point', 'change detected', 'no threshold yet']
      .forEach(function (name) {
        put('legend.' + name, texts.some(function (t) { return t.indexOf(name) === 0; }) ? 1 : 0);
      });
    function count(selector, test) {
      return Array.prototype.filter.call(chart.querySelectorAll(selector), test).length;
    }
    function vertical(l) { return l.getAttribute('x1') === l.getAttribute('x2'); }
    put('anomalyMarks', count('path', function (e) { return e.getAttribute('stroke') === '#d62728'; }));
    put('benignMarks', count('circle', function (e) { return e.getAttribute('fill') === '#7f7f7f'; }));
    put('abstainMarks', count('polygon', function (e) { return e.getAttribute('fill') === '#ff7f0e'; }));
    put('detectedRules', count('line', function (e) { return e.getAttribute('stroke') === '#9467bd' && vertical(e); }));
    put('truthRules', count('line', function (e) { return e.getAttribute('stroke') === '#000000' && vertical(e); }));
    put('hatchedSpans', count('rect', function (e) {
      return (e.getAttribute('fill') || '').indexOf('url(#hatch') === 0 && parseFloat(e.getAttribute('height')) > 20;
    }));
    put('thresholdSegments', count('polyline', function (e) { return e.getAttribute('stroke') === '#2ca02c'; }));
    var holder = chart.closest('.chart');
    var caption = holder && holder.nextElementSibling;
    put('caption', caption ? caption.textContent.replace(/\s+/g, ' ') : '');
  }
  var top = window.top.document;
  var pre = top.createElement('pre');
  pre.id = 'clipstream-probe';
  pre.textContent = out.join('\n');
  top.body.appendChild(pre);
})();
