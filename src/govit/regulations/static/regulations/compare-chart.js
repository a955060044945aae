/* Bar chart of the review-related amount thresholds on /regulations/compare/ (data from json_script). */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("threshold-chart");
    var source = document.getElementById("threshold-chart-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 60, bottom: 30 },
      xAxis: { type: "category", data: data.packs },
      yAxis: { type: "value", name: "万元" },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, label: { show: true, position: "top" } };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
