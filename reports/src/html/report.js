// snapguard HTML report: draws the charts from the embedded report and runs the findings
// filters. Text from the report only ever reaches the page through textContent and
// setAttribute, never as markup.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const report = data.report;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const style = getComputedStyle(document.documentElement);
  const color = (name) => style.getPropertyValue("--" + name).trim();

  function svg(name, attrs, text) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function html(name, attrs, text) {
    const node = document.createElement(name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
  const accountLabel = (id) => {
    const account = report.scope.accounts.find((a) => a.account_id === id);
    return account && account.name ? account.name + " (" + id + ")" : id;
  };

  // Open (unwaived) findings, each with its family.
  const open = report.findings
    .map((finding, index) => ({ finding, family: data.finding_families[index] }))
    .filter(({ finding }) => !(finding.waiver && finding.waiver.active));

  // ---- Overview: heat map of account x (region, family), and severity bars per account.
  function drawOverview() {
    const chart = document.getElementById("heatmap");
    const accounts = report.scope.accounts.map((a) => a.account_id);
    for (const { finding } of open) {
      if (!accounts.includes(finding.account_id)) accounts.push(finding.account_id);
    }
    // One column group per region with the families checked per account-region, then one
    // for the account-wide families (their findings are in region "global").
    const regional = data.families.filter((f) => !f.account_wide);
    const accountWide = data.families.filter((f) => f.account_wide);
    const groups = report.scope.regions.map((region) => ({ region, title: region, families: regional }));
    for (const { finding } of open) {
      if (finding.region !== "global" && !groups.some((g) => g.region === finding.region)) {
        groups.push({ region: finding.region, title: finding.region, families: regional });
      }
    }
    if (accountWide.length) groups.push({ region: "global", title: "account-wide", families: accountWide });
    const cell = { width: 44, height: 28 };
    const labelWidth = 290;
    const groupGap = 16;
    // A group is at least as wide as its title; its cells are centred under the title.
    const minGroupWidth = 96;
    const groupLeft = [];
    const groupWidth = (group) => Math.max(group.families.length * cell.width, minGroupWidth);
    const cellsLeft = (group, g) => groupLeft[g] + (groupWidth(group) - group.families.length * cell.width) / 2;
    let barsLeft = labelWidth;
    for (const group of groups) {
      groupLeft.push(barsLeft);
      barsLeft += groupWidth(group) + groupGap;
    }
    barsLeft += 8;
    const barWidth = 240;
    const top = 44;
    const width = barsLeft + barWidth + 60;
    const height = top + accounts.length * cell.height + 8;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    chart.setAttribute("width", width);
    chart.setAttribute("height", height);

    const defs = svg("defs");
    const hatch = svg("pattern", {
      id: "not-read", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)",
    });
    hatch.appendChild(svg("rect", { width: 6, height: 6, fill: "none" }));
    hatch.appendChild(svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: color("muted"), "stroke-width": 2, "stroke-opacity": 0.5 }));
    defs.appendChild(hatch);
    chart.appendChild(defs);

    const counts = new Map();
    const key = (...parts) => parts.join("\u0000");
    for (const { finding, family } of open) {
      const k = key(finding.account_id, finding.region, family);
      const entry = counts.get(k) || { count: 0, worst: finding.severity };
      entry.count += 1;
      if (data.severities.indexOf(finding.severity) < data.severities.indexOf(entry.worst)) {
        entry.worst = finding.severity;
      }
      counts.set(k, entry);
    }
    const maxCount = Math.max(1, ...Array.from(counts.values(), (e) => e.count));
    // Gaps of one account-region hatch its cells; account-wide gaps (a whole account, IAM, the
    // organization) hatch the account-wide cells and mark the account's label, since they may
    // touch every region.
    const gapsOf = (account, region) =>
      report.not_scanned.filter((g) => g.account_id === account && (g.region ?? null) === region);

    groups.forEach((group, g) => {
      const left = cellsLeft(group, g);
      chart.appendChild(svg("text", { x: groupLeft[g] + groupWidth(group) / 2, y: 14, "text-anchor": "middle", "font-weight": 600 }, group.title));
      group.families.forEach((family, f) => {
        const label = svg("text", { class: "axis", x: left + f * cell.width + cell.width / 2, y: top - 8, "text-anchor": "middle" }, family.key.toUpperCase());
        label.appendChild(svg("title", {}, family.title));
        chart.appendChild(label);
      });
    });
    chart.appendChild(svg("text", { x: barsLeft, y: 14, "font-weight": 600 }, "open findings by severity"));

    const perAccount = accounts.map((account) => {
      const bySeverity = {};
      for (const { finding } of open) {
        if (finding.account_id === account) bySeverity[finding.severity] = (bySeverity[finding.severity] || 0) + 1;
      }
      return bySeverity;
    });
    const totals = perAccount.map((s) => Object.values(s).reduce((a, b) => a + b, 0));
    const scale = barWidth / Math.max(1, ...totals);

    accounts.forEach((account, a) => {
      const y = top + a * cell.height;
      chart.appendChild(svg("line", { class: "row-line", x1: 0, x2: width, y1: y + cell.height, y2: y + cell.height }));
      const accountGaps = gapsOf(account, null);
      if (accountGaps.length) {
        const marker = svg("rect", {
          class: "gap-marker", x: 0, y: y + cell.height / 2 - 6, width: 11, height: 11,
          fill: "url(#not-read)", stroke: color("critical"),
        });
        marker.appendChild(svg("title", {}, "not read in any region: " + accountGaps.map((g) => g.operation).join(", ")));
        chart.appendChild(marker);
      }
      chart.appendChild(svg("text", { x: 18, y: y + cell.height / 2 + 4 }, accountLabel(account)));
      groups.forEach((group, g) => {
        const { region, families } = group;
        const left = cellsLeft(group, g);
        const gap = gapsOf(account, region === "global" ? null : region).length > 0;
        families.forEach((family, f) => {
          const entry = counts.get(key(account, region, family.key));
          const x = left + f * cell.width;
          const rect = svg("rect", {
            class: "heat-cell", x, y: y + 1, width: cell.width, height: cell.height - 2, rx: 3,
            fill: entry ? color(entry.worst) : color("empty"),
            "fill-opacity": entry ? (0.45 + 0.55 * entry.count / maxCount).toFixed(2) : 1,
            "data-account": account, "data-region": region, "data-family": family.key,
            "data-count": entry ? entry.count : 0,
          });
          const summary = accountLabel(account) + ", " + region + ", " + family.title + ": " +
            (entry ? plural(entry.count, "open finding") + ", worst " + entry.worst : "no open findings") +
            (gap ? " (not fully read)" : "");
          rect.appendChild(svg("title", {}, summary));
          rect.addEventListener("click", () => {
            applyFilter({ q: "", severity: "", family: family.key, account, region });
            document.getElementById("findings").scrollIntoView();
          });
          chart.appendChild(rect);
          if (gap) {
            chart.appendChild(svg("rect", { x, y: y + 1, width: cell.width, height: cell.height - 2, fill: "url(#not-read)", "pointer-events": "none" }));
          }
          if (entry) {
            const light = entry.worst !== "medium" && entry.count / maxCount > 0.3;
            chart.appendChild(svg("text", {
              class: "cell-count", x: x + cell.width / 2, y: y + cell.height / 2 + 4, "text-anchor": "middle",
              fill: light ? "#fff" : color("ink"),
            }, String(entry.count)));
          }
        });
      });
      let x = barsLeft;
      for (const severity of data.severities) {
        const n = perAccount[a][severity] || 0;
        if (!n) continue;
        const bar = svg("rect", {
          class: "sev-bar", x, y: y + 6, width: n * scale, height: cell.height - 12,
          fill: color(severity), "data-severity": severity, "data-count": n,
        });
        bar.appendChild(svg("title", {}, accountLabel(account) + ": " + n + " " + severity));
        chart.appendChild(bar);
        x += n * scale;
      }
      chart.appendChild(svg("text", { class: "axis", x: x + 6, y: y + cell.height / 2 + 4 }, String(totals[a])));
    });
  }

  function drawLegend() {
    const legend = document.getElementById("severity-legend");
    for (const severity of data.severities) {
      const item = html("span");
      item.appendChild(html("i", { style: "background:" + color(severity) }));
      item.appendChild(document.createTextNode(severity));
      legend.appendChild(item);
    }
    const unread = html("span");
    unread.appendChild(html("i", { style: "background: repeating-linear-gradient(45deg," + color("muted") + " 0 2px, transparent 2px 5px)" }));
    unread.appendChild(document.createTextNode("not fully read (beside an account: in no region)"));
    legend.appendChild(unread);
  }

  // ---- New against resolved, by severity, when the report was compared with a baseline.
  function drawTrend() {
    const baseline = report.baseline;
    if (!baseline) return;
    const rows = data.severities.map((severity) => ({
      severity,
      fresh: report.findings.filter((f) => f.severity === severity && f.baseline === "new").length,
      resolved: baseline.resolved.filter((f) => f.severity === severity).length,
      unchanged: report.findings.filter((f) => f.severity === severity && f.baseline === "unchanged").length,
    }));
    const chart = document.getElementById("trend-chart");
    const label = 90, half = 300, rowHeight = 26, top = 24;
    const width = label + 2 * half + 140;
    const height = top + rows.length * rowHeight + 6;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    chart.setAttribute("width", width);
    chart.setAttribute("height", height);
    const axis = label + half;
    const scale = (half - 40) / Math.max(1, ...rows.map((r) => Math.max(r.fresh, r.resolved)));
    chart.appendChild(svg("text", { x: axis - 8, y: 14, "text-anchor": "end", "font-weight": 600 }, "\u2190 resolved"));
    chart.appendChild(svg("text", { x: axis + 8, y: 14, "font-weight": 600 }, "new \u2192"));
    rows.forEach((row, i) => {
      const y = top + i * rowHeight;
      const middle = y + rowHeight / 2 + 4;
      chart.appendChild(svg("text", { x: 0, y: middle }, row.severity));
      if (row.resolved) {
        const w = row.resolved * scale;
        chart.appendChild(svg("rect", { class: "trend-bar resolved", x: axis - w, y: y + 5, width: w, height: rowHeight - 10, fill: color("ok"), "data-count": row.resolved }));
        chart.appendChild(svg("text", { class: "axis", x: axis - w - 6, y: middle, "text-anchor": "end" }, "\u2212" + row.resolved));
      }
      if (row.fresh) {
        const w = row.fresh * scale;
        chart.appendChild(svg("rect", { class: "trend-bar new", x: axis, y: y + 5, width: w, height: rowHeight - 10, fill: color(row.severity), "data-count": row.fresh }));
        chart.appendChild(svg("text", { class: "axis", x: axis + w + 6, y: middle }, "+" + row.fresh));
      }
      chart.appendChild(svg("text", { class: "axis", x: label + 2 * half + 20, y: middle }, row.unchanged + " unchanged"));
    });
    chart.appendChild(svg("line", { x1: axis, x2: axis, y1: top, y2: height, stroke: color("muted") }));
  }

  // ---- Findings filter. The inputs, the heat map and the URL fragment all go through applyFilter.
  const form = document.getElementById("filters");
  const fields = ["q", "severity", "family", "account", "region"];
  const rows = Array.from(document.querySelectorAll("#findings-table tbody tr"));
  const rowText = rows.map((row) => row.textContent.toLowerCase());

  function readFilter() {
    const filter = {};
    for (const field of fields) filter[field] = form.elements[field].value;
    return filter;
  }

  function filterFromFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const filter = {};
    for (const field of fields) filter[field] = params.get(field) || "";
    return filter;
  }

  function applyFilter(wanted) {
    // Set the controls first and read them back: a select ignores a value it does not offer,
    // so what is applied is always what the controls show.
    for (const field of fields) form.elements[field].value = wanted[field] || "";
    const filter = readFilter();
    const terms = filter.q.toLowerCase().split(/\s+/).filter(Boolean);
    const shownBySeverity = {};
    let shown = 0;
    rows.forEach((row, i) => {
      const match =
        terms.every((term) => rowText[i].includes(term)) &&
        ["severity", "family", "account", "region"].every((field) => !filter[field] || row.dataset[field] === filter[field]);
      row.hidden = !match;
      if (match) {
        shown += 1;
        shownBySeverity[row.dataset.severity] = (shownBySeverity[row.dataset.severity] || 0) + 1;
      }
    });
    document.getElementById("shown-count").textContent = shown + " of " + plural(rows.length, "finding") + " shown";
    document.getElementById("shown-severities").textContent = shown
      ? "(" + data.severities.filter((s) => shownBySeverity[s]).map((s) => shownBySeverity[s] + " " + s).join(", ") + ")"
      : "";
    const noMatch = document.getElementById("no-match");
    if (noMatch) noMatch.hidden = shown > 0;
    const params = new URLSearchParams();
    for (const field of fields) if (filter[field]) params.set(field, filter[field]);
    const fragment = params.toString();
    if (fragment !== location.hash.replace(/^#/, "")) {
      history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
    }
  }

  drawOverview();
  drawLegend();
  drawTrend();
  form.addEventListener("input", () => applyFilter(readFilter()));
  form.addEventListener("reset", () => setTimeout(() => applyFilter(readFilter())));
  window.addEventListener("hashchange", () => applyFilter(filterFromFragment()));
  applyFilter(filterFromFragment());
  document.body.dataset.ready = "1";
})();
