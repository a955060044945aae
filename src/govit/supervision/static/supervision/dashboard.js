/* Charts of /supervision/ (data from json_script #supervision-data); a click opens the filtered list. */
(function () {
  "use strict";
  var COLORS = { 1: "#b71c1c", 2: "#e65100", 3: "#f9a825", 4: "#7cb342", 5: "#2e7d32" };

  function bar(labels, values, opts) {
    opts = opts || {};
    var horizontal = !!opts.horizontal;
    var category = { type: "category", data: labels, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    var value = { type: "value", minInterval: 1 };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: horizontal ? 150 : 40, right: 20, top: 20, bottom: horizontal ? 20 : 80 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true, axisLabel: { width: 140, overflow: "truncate" } }) : value,
      series: [{
        type: "bar", barMaxWidth: 48, data: values.map(function (v, i) {
          return opts.colors ? { value: v, itemStyle: { color: opts.colors[i] } } : v;
        }),
        label: { show: true, position: horizontal ? "right" : "top" }
      }]
    };
  }

  // Too narrow for a dozen upright columns with slanted labels (a phone): lay the stages chart on its side.
  function crowded(labels, width) { return labels.length > 6 && width < 420; }

  function options(name, data, width) {
    if (name === "money") {
      var m = data.money;
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: m.years.map(String) },
        yAxis: { type: "value", name: "万元" },
        series: [
          { name: "计划", type: "bar", barMaxWidth: 32, data: m.planned },
          { name: "批复", type: "bar", barMaxWidth: 32, data: m.approved },
          { name: "已支出", type: "bar", barMaxWidth: 32, data: m.spent }
        ]
      };
    }
    var d = data[name];
    if (name === "units" || (name === "stages" && crowded(d.labels, width))) {
      return bar(d.labels, d.values, { horizontal: true });
    }
    if (name === "ratings") {
      return bar(d.labels, d.values, { colors: d.keys.map(function (k) { return COLORS[k]; }) });
    }
    return bar(d.labels, d.values);
  }

  function keyOf(name, data, index) {
    if (name === "money") { return data.money.years[index]; }
    return data[name].keys[index];
  }

  function draw() {
    var source = document.getElementById("supervision-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (holder) {
      var name = holder.getAttribute("data-chart");
      var param = holder.getAttribute("data-param");
      var chart = window.echarts.init(holder);
      chart.setOption(options(name, data, holder.clientWidth));
      chart.on("click", function (event) {
        var key = keyOf(name, data, event.dataIndex);
        if (key !== undefined) {
          window.location.href = data.list_url + "&" + param + "=" + encodeURIComponent(key);
        }
      });
      holder.setAttribute("data-rendered", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
