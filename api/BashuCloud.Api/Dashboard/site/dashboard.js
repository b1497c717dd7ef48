// 川渝联合统计: the administrators' dashboard. One request for the figures (GET /admin/stats/joint, the same handler
// as GET /api/v1/stats/joint), filtered by the form; headline figures and charts drawn from that answer alone, so the
// page shows exactly what the API says. The figures come from counters the read model keeps, so the page costs the
// same at a thousand listings as at a million.
"use strict";
(() => {
  const labels = {
    region: { sichuan: "四川", chongqing: "重庆" },
    kind: { Achievement: "科技成果", Demand: "技术需求", Patent: "专利", Service: "科技服务", Expert: "专家", Case: "案例" },
    status: {
      Draft: "草稿", InReview: "待审核", Published: "已发布", Negotiating: "洽谈中",
      Traded: "已成交", Withdrawn: "已撤回", Expired: "已过期",
    },
    field: {
      NewEnergy: "新能源", AdvancedMaterials: "新材料", ElectronicInformation: "电子信息", Biomedicine: "生物医药",
      EquipmentManufacturing: "装备制造", Aerospace: "航空航天", ModernAgriculture: "现代农业", EnergySaving: "节能环保",
      RailTransit: "轨道交通", IntelligentVehicles: "智能网联汽车", ArtificialIntelligence: "人工智能",
      ChemicalEngineering: "化工", Other: "其他",
    },
    stage: {
      Inquiry: "询价", Negotiating: "洽谈", Agreed: "达成一致", Contracted: "已签合同", Registered: "已登记",
      Completed: "已完成", Declined: "已拒绝", Cancelled: "已取消",
    },
    role: {
      Researcher: "科研人员", Enterprise: "企业", Institution: "高校院所", FinancialInstitution: "金融机构",
      Broker: "技术经纪人", ServiceProvider: "服务机构", Administrator: "管理员",
      Valuer: "评估机构",
    },
  };
  const regions = ["sichuan", "chongqing"];
  const colors = { sichuan: "#c23531", chongqing: "#2f4554" };
  const label = (dimension, value) => labels[dimension][value] ?? value;
  const number = (n) => Number(n).toLocaleString("zh-CN");
  const charts = new Map();

  const form = document.getElementById("filters");
  const exportLink = document.getElementById("export");
  const error = document.getElementById("error");

  // The filter lists come from the same label tables the charts use.
  for (const select of form.querySelectorAll("select[data-labels]")) {
    for (const [value, text] of Object.entries(labels[select.dataset.labels])) select.add(new Option(text, value));
  }
  const query = new URLSearchParams(location.search);
  for (const select of form.querySelectorAll("select")) select.value = query.get(select.name) ?? "";

  function filters() {
    const params = new URLSearchParams();
    for (const select of form.querySelectorAll("select")) if (select.value) params.set(select.name, select.value);
    return params;
  }

  async function load() {
    document.body.dataset.state = "loading";
    const params = filters();
    const suffix = params.size ? `?${params}` : "";
    history.replaceState(null, "", `/admin${suffix}`);
    exportLink.href = `/admin/stats/joint.csv${suffix}`;
    const response = await fetch(`/admin/stats/joint${suffix}`, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.status === 401) {
      location.assign("/admin/login");
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail ?? `HTTP ${response.status}`);
    }
    show(await response.json());
    error.hidden = true;
    document.body.dataset.state = "ready";
  }

  function show(stats) {
    const { listings, users, academic, deals } = stats;
    document.getElementById("as-of").textContent = new Date(listings.asOf).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    document.getElementById("as-of").dateTime = listings.asOf;
    figure("listings-total", listings.total);
    figure("listings-sichuan", listings.byRegion.sichuan ?? 0);
    figure("listings-chongqing", listings.byRegion.chongqing ?? 0);
    figure("listings-published", listings.byStatus.Published ?? 0);
    figure("users-total", users.total);
    figure("deals-turnover", Object.values(deals.turnoverCny).reduce((total, amount) => total + amount, 0));
    document.getElementById("deals-contracts").textContent =
      `已登记合同 ${number(deals.flows.reduce((total, flow) => total + flow.contracts, 0))} 份；交易 ${number(deals.total)} 宗`;
    figure("academic-registered", academic.lists.reduce((total, list) => total + list.registered, 0));
    document.getElementById("academic-announced").textContent =
      `名录公布 ${number(academic.lists.reduce((total, list) => total + list.announced, 0))}（${[...new Set(academic.lists.map((l) => l.year))].join("、")} 年）`;

    const kinds = Object.keys(labels.kind);
    draw("chart-region-kind", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: kinds.map((k) => label("kind", k)) },
      yAxis: { type: "value" },
      series: regions.map((region) => ({
        name: label("region", region), type: "bar", stack: "regions", color: colors[region],
        data: kinds.map((kind) => sum(listings.cells, (c) => c.region === region && c.kind === kind)),
      })),
    });
    draw("chart-status", {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["35%", "65%"],
        data: Object.entries(listings.byStatus).map(([status, count]) => ({ name: label("status", status), value: count })),
      }],
    });
    const fields = Object.keys(labels.field);
    draw("chart-field", {
      tooltip: { trigger: "axis" },
      legend: {},
      grid: { left: 110 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: fields.map((f) => label("field", f)), axisLabel: { interval: 0 } },
      series: regions.map((region) => ({
        name: label("region", region), type: "bar", stack: "regions", color: colors[region],
        data: fields.map((field) => sum(listings.cells, (c) => c.region === region && c.field === field)),
      })),
    });
    const months = [...new Set(listings.newPerMonth.map((m) => m.month))].sort();
    draw("chart-month", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: months },
      yAxis: { type: "value" },
      series: regions.map((region) => ({
        name: label("region", region), type: "line", smooth: true, color: colors[region],
        data: months.map((month) => sum(listings.newPerMonth, (m) => m.region === region && m.month === month)),
      })),
    });
    const roles = Object.keys(labels.role);
    draw("chart-users", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: roles.map((r) => label("role", r)), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: regions.map((region) => ({
        name: label("region", region), type: "bar", stack: "regions", color: colors[region],
        data: roles.map((role) => sum(users.cells, (c) => c.region === region && c.role === role)),
      })),
    });
    // Registered contracts by where the technology flows: each contract once, seller's region → buyer's region.
    const flows = regions.flatMap((from) => regions.map((to) => ({ from, to })));
    draw("chart-flows", {
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: flows.map((f) => `${label("region", f.from)} → ${label("region", f.to)}`) },
      yAxis: { type: "value", name: "元" },
      series: [{
        type: "bar", name: "合同金额",
        data: flows.map((f) => ({
          value: sum(deals.flows, (x) => x.from === f.from && x.to === f.to, (x) => x.amountCny),
          itemStyle: { color: colors[f.from] },
        })),
      }],
    });
    const stages = Object.keys(labels.stage);
    draw("chart-deals", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: stages.map((s) => label("stage", s)) },
      yAxis: { type: "value" },
      series: regions.map((region) => ({
        name: `卖方在${label("region", region)}`, type: "bar", stack: "regions", color: colors[region],
        data: stages.map((stage) => sum(deals.stages, (d) => d.sellerRegion === region && d.stage === stage)),
      })),
    });
  }

  function figure(name, value) {
    const element = document.querySelector(`[data-figure="${name}"]`);
    element.textContent = number(value);
    element.dataset.value = String(value);
  }

  function sum(cells, admits, value = (cell) => cell.count) {
    return cells.reduce((total, cell) => (admits(cell) ? total + value(cell) : total), 0);
  }

  // A chart marks itself rendered once ECharts has finished drawing it (what the browser test waits for).
  function draw(id, option) {
    const element = document.getElementById(id);
    let chart = charts.get(id);
    if (!chart) {
      chart = echarts.init(element, null, { renderer: "canvas", locale: "ZH" });
      chart.on("finished", () => { element.dataset.rendered = "true"; });
      charts.set(id, chart);
    }
    delete element.dataset.rendered;
    chart.setOption({ animation: false, ...option }, { notMerge: true });
  }

  function fail(reason) {
    error.textContent = `统计数据加载失败：${reason.message}`;
    error.hidden = false;
    document.body.dataset.state = "error";
  }

  // The cluster monitor is the joint administrator's alone (and may be switched off): its link shows only where it opens.
  fetch("/admin/orleans/version", { headers: { Accept: "application/json" }, cache: "no-store" })
    .then((response) => { document.getElementById("cluster").hidden = !response.ok; })
    .catch(() => {});

  form.addEventListener("change", () => load().catch(fail));
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  load().catch(fail);
})();
