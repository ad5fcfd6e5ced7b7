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

  const plural = (n, word) => n.toLocaleString("en-US") + " " + word + (n === 1 ? "" : "s");
  const accountsById = new Map(report.scope.accounts.map((a) => [a.account_id, a]));
  const accountLabel = (id) => {
    const account = accountsById.get(id);
    return account && account.name ? account.name + " (" + id + ")" : id;
  };
  const key = (...parts) => parts.join("\u0000");
  const severityRank = (severity) => data.severities.indexOf(severity);

  // Open (unwaived) findings, each with its family.
  const open = report.findings
    .map((finding, index) => ({ finding, family: data.finding_families[index] }))
    .filter(({ finding }) => !(finding.waiver && finding.waiver.active));

  // Counted once for the whole page: per account (by severity), per cell (account, region,
  // family), and the gaps of each account-region ("global" for account-wide ones).
  const perAccount = new Map();
  const cells = new Map();
  for (const { finding, family } of open) {
    const account = perAccount.get(finding.account_id) || { bySeverity: {}, total: 0 };
    account.bySeverity[finding.severity] = (account.bySeverity[finding.severity] || 0) + 1;
    account.total += 1;
    perAccount.set(finding.account_id, account);
    const k = key(finding.account_id, finding.region, family);
    const entry = cells.get(k) || { count: 0, worst: finding.severity };
    entry.count += 1;
    if (severityRank(finding.severity) < severityRank(entry.worst)) entry.worst = finding.severity;
    cells.set(k, entry);
  }
  const gaps = new Map();
  for (const gap of report.not_scanned) {
    const k = key(gap.account_id, gap.region ?? "global");
    gaps.set(k, (gaps.get(k) || []).concat([gap]));
  }
  const gapsOf = (account, region) => gaps.get(key(account, region)) || [];
  // The severity counts, most severe first: compared as a vector, the worst sorts first.
  const severityVector = (bySeverity) => data.severities.map((s) => bySeverity[s] || 0);
  const worstFirst = (a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i] - a[i];
    return 0;
  };

  // ---- Overview: heat map of account x (region, family), and severity bars per account,
  // grouped by organizational unit (the worst unit first), the worst accounts first, a page
  // of accounts at a time.
  const accountOrder = (() => {
    const ids = report.scope.accounts.map((a) => a.account_id);
    for (const id of perAccount.keys()) if (!accountsById.has(id)) ids.push(id);
    const unitOf = (id) => (accountsById.get(id) || {}).organizational_unit || "";
    const vectorOf = (id) => severityVector((perAccount.get(id) || { bySeverity: {} }).bySeverity);
    const units = new Map();
    for (const id of ids) {
      const unit = unitOf(id);
      const sum = units.get(unit) || data.severities.map(() => 0);
      vectorOf(id).forEach((n, i) => { sum[i] += n; });
      units.set(unit, sum);
    }
    const unitRank = (unit) => units.get(unit);
    return ids
      .map((id) => ({ id, unit: unitOf(id), vector: vectorOf(id) }))
      .sort((a, b) =>
        (a.unit === b.unit ? 0 : worstFirst(unitRank(a.unit), unitRank(b.unit)) || a.unit.localeCompare(b.unit)) ||
        worstFirst(a.vector, b.vector) || a.id.localeCompare(b.id));
  })();
  const overview = { page: 0, unit: "" };
  const overviewControls = document.getElementById("overview-controls");

  function drawOverview() {
    const chart = document.getElementById("heatmap");
    chart.replaceChildren();
    const listed = accountOrder.filter((a) => !overview.unit || a.unit === overview.unit);
    const perPage = data.accounts_per_page;
    const pages = Math.max(1, Math.ceil(listed.length / perPage));
    overview.page = Math.min(Math.max(overview.page, 0), pages - 1);
    const shown = listed.slice(overview.page * perPage, (overview.page + 1) * perPage);
    setPager("overview-pager", overview.page, pages,
      listed.length
        ? "accounts " + (overview.page * perPage + 1) + "\u2013" + (overview.page * perPage + shown.length) + " of " + listed.length.toLocaleString("en-US")
        : "no accounts");
    const grouped = accountOrder.some((a) => a.unit);
    // The rows: a unit's heading where a new unit starts, then its accounts.
    const rows = [];
    shown.forEach((entry, i) => {
      if (grouped && (i === 0 || shown[i - 1].unit !== entry.unit)) rows.push({ unit: entry.unit });
      rows.push({ account: entry.id });
    });

    // One column group per region with the families checked per account-region, then one
    // for the account-wide families (their findings are in region "global").
    const regional = data.families.filter((f) => !f.account_wide);
    const accountWide = data.families.filter((f) => f.account_wide);
    const groups = report.scope.regions.map((region) => ({ region, title: region, families: regional }));
    const extraRegions = new Set(open.map(({ finding }) => finding.region).filter((r) => r !== "global" && !report.scope.regions.includes(r)));
    for (const region of extraRegions) groups.push({ region, title: region, families: regional });
    if (accountWide.length) groups.push({ region: "global", title: "account-wide", families: accountWide });
    const cell = { width: 44, height: 28 };
    const unitHeight = 24;
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
    const height = top + rows.reduce((h, row) => h + (row.unit !== undefined ? unitHeight : cell.height), 0) + 8;
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

    // reduce, not Math.max(...): 1,000 accounts x 17 regions exceed some engines' argument limit.
    const maxCount = Array.from(cells.values()).reduce((most, e) => Math.max(most, e.count), 1);
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
    const scale = barWidth / Array.from(perAccount.values()).reduce((most, a) => Math.max(most, a.total), 1);

    let y = top;
    for (const row of rows) {
      if (row.unit !== undefined) {
        const members = listed.filter((a) => a.unit === row.unit);
        const findings = members.reduce((n, a) => n + a.vector.reduce((x, v) => x + v, 0), 0);
        chart.appendChild(svg("text", { class: "unit-heading", x: 0, y: y + unitHeight - 7, "font-weight": 600 },
          (row.unit || "OU not known") + ": " + plural(members.length, "account") + ", " + plural(findings, "open finding")));
        y += unitHeight;
        continue;
      }
      const account = row.account;
      chart.appendChild(svg("line", { class: "row-line", x1: 0, x2: width, y1: y + cell.height, y2: y + cell.height }));
      const accountGaps = gapsOf(account, "global");
      if (accountGaps.length) {
        const marker = svg("rect", {
          class: "gap-marker", x: 0, y: y + cell.height / 2 - 6, width: 11, height: 11,
          fill: "url(#not-read)", stroke: color("critical"),
        });
        marker.appendChild(svg("title", {}, "not read in any region: " + accountGaps.map((g) => g.operation).join(", ")));
        chart.appendChild(marker);
      }
      chart.appendChild(svg("text", { class: "account-label", x: 18, y: y + cell.height / 2 + 4 }, accountLabel(account)));
      groups.forEach((group, g) => {
        const { region, families } = group;
        const left = cellsLeft(group, g);
        const gap = gapsOf(account, region).length > 0;
        families.forEach((family, f) => {
          const entry = cells.get(key(account, region, family.key));
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
      const counts = (perAccount.get(account) || { bySeverity: {}, total: 0 });
      let x = barsLeft;
      for (const severity of data.severities) {
        const n = counts.bySeverity[severity] || 0;
        if (!n) continue;
        const bar = svg("rect", {
          class: "sev-bar", x, y: y + 6, width: n * scale, height: cell.height - 12,
          fill: color(severity), "data-severity": severity, "data-count": n,
        });
        bar.appendChild(svg("title", {}, accountLabel(account) + ": " + n + " " + severity));
        chart.appendChild(bar);
        x += n * scale;
      }
      chart.appendChild(svg("text", { class: "axis", x: x + 6, y: y + cell.height / 2 + 4 }, String(counts.total)));
      y += cell.height;
    }
  }

  // A pager's buttons and status; its buttons are enabled only where there is a page to go to.
  function setPager(id, page, pages, status) {
    const pager = document.getElementById(id);
    if (!pager) return;
    pager.querySelector(".page-status").textContent = status + (pages > 1 ? " (page " + (page + 1) + " of " + pages + ")" : "");
    pager.querySelector("[data-step='-1']").disabled = page <= 0;
    pager.querySelector("[data-step='1']").disabled = page >= pages - 1;
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

  // ---- Findings: filtered over the whole report, listed a page at a time. The inputs, the
  // heat map and the URL fragment all go through applyFilter.
  const form = document.getElementById("filters");
  const fields = ["q", "severity", "family", "account", "region"];
  const body = document.getElementById("findings-body");
  const entries = report.findings.map((finding, index) => ({
    finding, index, family: data.finding_families[index],
    // What the search box looks in: what the row shows and its details.
    text: [
      finding.severity, finding.rule_id, finding.rule_name, accountLabel(finding.account_id),
      finding.region, finding.resource_type, finding.resource_id, finding.message,
      finding.waiver ? finding.waiver.reason : "", finding.resource_arn, finding.fingerprint,
      JSON.stringify(finding.evidence ?? null),
    ].join(" ").toLowerCase(),
  }));
  let matches = entries;
  let findingsPage = 0;

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

  // One finding's row; report text reaches it only as text.
  function findingRow({ finding: f, index, family }) {
    const waived = f.waiver && f.waiver.active;
    const row = html("tr", {
      "data-index": index, "data-severity": f.severity, "data-family": family,
      "data-account": f.account_id, "data-region": f.region,
    });
    if (waived) row.className = "is-waived";
    const td = (...children) => {
      const cell = html("td");
      for (const child of children) cell.append(child);
      return cell;
    };
    const rule = td(html("code", { class: "id" }, f.rule_id), html("div", { class: "muted" }, f.rule_name));
    const resource = td(html("span", { class: "muted" }, f.resource_type), html("br"), html("code", {}, f.resource_id));
    const message = td();
    if (f.baseline === "new") message.append(html("span", { class: "badge new" }, "new"), " ");
    message.append(f.message);
    if (f.waiver) {
      const waiver = html("div", { class: "waiver" });
      if (waived) {
        waiver.append(html("span", { class: "badge waived" }, "waived"),
          " until " + f.waiver.expires + (f.waiver.owner ? " (" + f.waiver.owner + ")" : "") + ": " + f.waiver.reason);
      } else {
        waiver.append(html("span", { class: "badge expired" }, "waiver expired"), " " + f.waiver.expires + ": " + f.waiver.reason);
      }
      message.append(waiver);
    }
    const details = html("details");
    details.append(html("summary", {}, "details"), html("pre", {}, JSON.stringify({
      resource_arn: f.resource_arn, fingerprint: f.fingerprint, evidence: f.evidence, remediation: f.remediation,
    }, null, 2)));
    message.append(details);
    row.append(td(html("span", { class: "sev sev-" + f.severity }, f.severity)), rule,
      td(accountLabel(f.account_id)), td(f.region), resource, message);
    return row;
  }

  function listFindings() {
    if (!body) return;
    const perPage = data.findings_per_page;
    const pages = Math.max(1, Math.ceil(matches.length / perPage));
    findingsPage = Math.min(Math.max(findingsPage, 0), pages - 1);
    const first = findingsPage * perPage;
    const page = matches.slice(first, first + perPage);
    body.replaceChildren(...page.map(findingRow));
    setPager("findings-pager", findingsPage, pages,
      matches.length ? "rows " + (first + 1) + "\u2013" + (first + page.length) + " of " + matches.length.toLocaleString("en-US") : "");
  }

  function applyFilter(wanted) {
    // Set the controls first and read them back: a select ignores a value it does not offer,
    // so what is applied is always what the controls show.
    for (const field of fields) form.elements[field].value = wanted[field] || "";
    const filter = readFilter();
    const terms = filter.q.toLowerCase().split(/\s+/).filter(Boolean);
    const wantedOf = (entry) => ({
      severity: entry.finding.severity, family: entry.family,
      account: entry.finding.account_id, region: entry.finding.region,
    });
    matches = entries.filter((entry) => {
      const values = wantedOf(entry);
      return terms.every((term) => entry.text.includes(term)) &&
        ["severity", "family", "account", "region"].every((field) => !filter[field] || values[field] === filter[field]);
    });
    const shownBySeverity = {};
    for (const { finding } of matches) shownBySeverity[finding.severity] = (shownBySeverity[finding.severity] || 0) + 1;
    findingsPage = 0;
    listFindings();
    document.getElementById("shown-count").textContent =
      matches.length + " of " + entries.length + " finding" + (entries.length === 1 ? "" : "s") + " shown";
    document.getElementById("shown-severities").textContent = matches.length
      ? "(" + data.severities.filter((s) => shownBySeverity[s]).map((s) => shownBySeverity[s] + " " + s).join(", ") + ")"
      : "";
    const noMatch = document.getElementById("no-match");
    if (noMatch) noMatch.hidden = matches.length > 0;
    const params = new URLSearchParams();
    for (const field of fields) if (filter[field]) params.set(field, filter[field]);
    const fragment = params.toString();
    if (fragment !== location.hash.replace(/^#/, "")) {
      history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
    }
  }

  const pagerStep = (id, step) => {
    const pager = document.getElementById(id);
    if (pager) pager.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-step]");
      if (button) step(Number(button.dataset.step));
    });
  };
  pagerStep("overview-pager", (by) => { overview.page += by; drawOverview(); });
  pagerStep("findings-pager", (by) => { findingsPage += by; listFindings(); });
  if (overviewControls && overviewControls.elements.ou) {
    overviewControls.elements.ou.addEventListener("input", () => {
      overview.unit = overviewControls.elements.ou.value;
      overview.page = 0;
      drawOverview();
    });
  }
  drawOverview();
  drawLegend();
  drawTrend();
  form.addEventListener("input", () => applyFilter(readFilter()));
  form.addEventListener("reset", () => setTimeout(() => applyFilter(readFilter())));
  window.addEventListener("hashchange", () => applyFilter(filterFromFragment()));
  applyFilter(filterFromFragment());
  document.body.dataset.ready = "1";
  document.body.dataset.readyMs = String(Math.round(performance.now()));
})();
