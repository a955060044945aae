/* Projects and investment by stage on /projects/portfolio/ (data from json_script). */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("portfolio-chart");
    var source = document.getElementById("portfolio-chart-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 50, bottom: 70 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: [{ type: "value", name: "万元" }, { type: "value", name: "个", minInterval: 1 }],
      series: [
        { name: "总投资（万元）", type: "bar", data: data.amounts },
        { name: "项目数", type: "line", yAxisIndex: 1, data: data.counts }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
