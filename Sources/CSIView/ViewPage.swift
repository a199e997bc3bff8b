import Foundation

/// The live map's page: one self-contained HTML document (inline CSS and JS, no external resource: the machine
/// that runs csiloc may have no internet). It opens `events` (Server-Sent Events, ``ViewSnapshot`` JSON) and
/// draws on a canvas: the area, each UE's fix (status colour) with its uncertainty ellipse, its fix tail (dots),
/// its track tail (line), the track's position and velocity (1 s ahead); a side panel lists the UEs, the error
/// against truth and the counters. `/?limit=N` stops after N updates (see ``Viewer``). For headless checks the body carries `data-fixes` (fixes counted) and
/// `data-drawn` (fix markers drawn in the last frame).
enum ViewPage {
    /// Sorted keys, so equal snapshots give equal bytes.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The document served at `/`.
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>csiloc live map</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        :root { --ok:#1b9e4b; --suspect:#e08a00; --outlier:#c2185b; --failed:#d32f2f; --track:#1565c0; }
        * { box-sizing:border-box; }
        body { margin:0; font:13px/1.35 system-ui, sans-serif; color:#222; background:#f4f5f7; display:flex; height:100vh; }
        #mapbox { flex:1; position:relative; min-width:0; }
        canvas { width:100%; height:100%; display:block; background:#fff; }
        #side { width:330px; overflow:auto; padding:10px 12px; border-left:1px solid #ccd; background:#fafbfc; }
        h1 { font-size:15px; margin:0 0 4px; } h2 { font-size:13px; margin:12px 0 4px; color:#444; }
        table { border-collapse:collapse; width:100%; } td, th { padding:1px 4px; text-align:right; white-space:nowrap; }
        th { color:#666; font-weight:normal; } td:first-child, th:first-child { text-align:left; }
        .dot { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:4px; vertical-align:middle; }
        #conn { font-weight:bold; } .up { color:var(--ok); } .down { color:var(--failed); }
        .legend span { margin-right:10px; white-space:nowrap; } small { color:#666; }
        </style></head>
        <body data-fixes="0" data-drawn="0">
        <div id="mapbox"><canvas id="map"></canvas></div>
        <div id="side">
        <h1>csiloc live map</h1>
        <div><span id="conn" class="down">connecting…</span> <small id="source"></small></div>
        <div class="legend" style="margin-top:6px">
        <span><i class="dot" style="background:var(--ok)"></i>ok</span><span><i class="dot" style="background:var(--suspect)"></i>suspect</span>
        <span><i class="dot" style="background:var(--outlier)"></i>outlier</span><span><i class="dot" style="background:var(--failed)"></i>failed</span>
        <span><i class="dot" style="background:var(--track)"></i>track</span></div>
        <small>ellipses: 95 % uncertainty; tails: recent fixes (dots) and track (line); arrow: 1 s of motion</small>
        <h2>Error vs truth <small>(recent fixes with truth)</small></h2><table id="errors"><tr><td>no truth in the fixes</td></tr></table>
        <h2>UEs <small id="uecount"></small></h2>
        <table id="ues"><thead><tr><th>rx/ue</th><th>status</th><th>x</th><th>y</th><th>err cm</th><th>v m/s</th><th>fixes</th></tr></thead><tbody></tbody></table>
        <h2>Counters <small>(seen by the viewer)</small></h2><table id="counters"></table>
        <h2>Daemon <small id="metricsurl"></small></h2><table id="metrics"><tr><td>no --metrics URL given</td></tr></table>
        </div>
        <script>
        "use strict";
        const colours = { ok:"#1b9e4b", suspect:"#e08a00", outlier:"#c2185b", failed:"#d32f2f" };
        const canvas = document.getElementById("map"), ctx = canvas.getContext("2d");
        let state = null;
        const fmt = (v, d) => (v === undefined || v === null) ? "–" : Number(v).toFixed(d);
        function esc(s) { return String(s).replace(/[&<>"']/g, c => ({ "&":"&amp;", "<":"&lt;", ">":"&gt;", '"':"&quot;", "'":"&#39;" }[c])); }

        function niceStep(span) {
          const raw = span / 8, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
          return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
        }

        function draw() {
          const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
          if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
          ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
          ctx.clearRect(0, 0, w, h);
          let drawn = 0;
          if (!state || !state.area) {
            ctx.fillStyle = "#888"; ctx.font = "14px system-ui"; ctx.fillText("waiting for fixes…", 20, 30);
            document.body.dataset.drawn = "0"; return;
          }
          const a = state.area, pad = 40;
          const sx = (w - 2 * pad) / (a.x[1] - a.x[0]), sy = (h - 2 * pad) / (a.y[1] - a.y[0]), s = Math.min(sx, sy);
          const ox = pad + ((w - 2 * pad) - s * (a.x[1] - a.x[0])) / 2, oy = pad + ((h - 2 * pad) - s * (a.y[1] - a.y[0])) / 2;
          const X = x => ox + (x - a.x[0]) * s, Y = y => oy + (a.y[1] - y) * s;   // y up
          // grid and area
          const step = niceStep(Math.max(a.x[1] - a.x[0], a.y[1] - a.y[0]));
          ctx.strokeStyle = "#e6e8ec"; ctx.lineWidth = 1; ctx.fillStyle = "#777"; ctx.font = "11px system-ui";
          for (let gx = Math.ceil(a.x[0] / step) * step; gx <= a.x[1] + 1e-9; gx += step) {
            ctx.beginPath(); ctx.moveTo(X(gx), Y(a.y[0])); ctx.lineTo(X(gx), Y(a.y[1])); ctx.stroke();
            ctx.fillText(+gx.toFixed(6) + "", X(gx) - 6, Y(a.y[0]) + 14);
          }
          for (let gy = Math.ceil(a.y[0] / step) * step; gy <= a.y[1] + 1e-9; gy += step) {
            ctx.beginPath(); ctx.moveTo(X(a.x[0]), Y(gy)); ctx.lineTo(X(a.x[1]), Y(gy)); ctx.stroke();
            ctx.fillText(+gy.toFixed(6) + "", X(a.x[0]) - 30, Y(gy) + 4);
          }
          ctx.strokeStyle = "#556"; ctx.lineWidth = 1.5; ctx.strokeRect(X(a.x[0]), Y(a.y[1]), (a.x[1] - a.x[0]) * s, (a.y[1] - a.y[0]) * s);
          ctx.fillStyle = "#556"; ctx.fillText((a.source === "fixes" ? "bounds of the fixes" : "survey area (" + a.source + ")") + ", metres", X(a.x[0]), Y(a.y[1]) - 6);
          const ellipse = (x, y, e, colour, fill) => {
            if (!e) return;
            ctx.beginPath(); ctx.ellipse(X(x), Y(y), Math.max(e.semi_major_m * s, 0.5), Math.max(e.semi_minor_m * s, 0.5), -e.orientation_deg * Math.PI / 180, 0, 2 * Math.PI);
            ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = colour; ctx.lineWidth = 1; ctx.stroke();
          };
          for (const u of state.ues) {
            const colour = colours[u.status] || "#555";
            ctx.fillStyle = colour + "55";
            for (const p of u.tail) { ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), 1.8, 0, 2 * Math.PI); ctx.fill(); }
            if (u.track_tail.length > 1) {
              ctx.beginPath(); ctx.strokeStyle = "#1565c0aa"; ctx.lineWidth = 2;
              u.track_tail.forEach((p, i) => i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))); ctx.stroke();
            }
            if (u.track) {
              const t = u.track;
              ellipse(t.x, t.y, t.ellipse, "#1565c0", "#1565c018");
              ctx.beginPath(); ctx.arc(X(t.x), Y(t.y), 5, 0, 2 * Math.PI); ctx.strokeStyle = "#1565c0"; ctx.lineWidth = 2; ctx.stroke();
              ctx.beginPath(); ctx.moveTo(X(t.x), Y(t.y)); ctx.lineTo(X(t.x + t.vx), Y(t.y + t.vy)); ctx.stroke();
            }
            if (u.x !== undefined && u.y !== undefined) {
              ellipse(u.x, u.y, u.ellipse, colour, colour + "22");
              ctx.beginPath(); ctx.arc(X(u.x), Y(u.y), 4, 0, 2 * Math.PI); ctx.fillStyle = colour; ctx.fill();
              ctx.fillStyle = "#222"; ctx.font = "11px system-ui"; ctx.fillText(u.receiver + "/" + u.ue, X(u.x) + 6, Y(u.y) - 6);
              drawn++;
            }
          }
          document.body.dataset.drawn = String(drawn);
        }

        function table(id, rows) { document.getElementById(id).innerHTML = rows.map(r => "<tr>" + r.map(c => "<td>" + c + "</td>").join("") + "</tr>").join(""); }

        function panel() {
          const c = state.counters;
          document.body.dataset.fixes = String(c.fixes);
          document.getElementById("source").textContent = "feed " + state.source;
          document.getElementById("uecount").textContent = "(" + state.ues.length + ")";
          document.querySelector("#ues tbody").innerHTML = state.ues.map(u =>
            '<tr class="ue" data-receiver="' + u.receiver + '" data-ue="' + u.ue + '"><td>' + u.receiver + "/" + u.ue +
            '</td><td><i class="dot" style="background:' + (colours[u.status] || "#555") + '"></i>' + esc(u.status) +
            "</td><td>" + fmt(u.x, 2) + "</td><td>" + fmt(u.y, 2) + "</td><td>" + (u.truth_error_m === undefined ? "–" : fmt(100 * u.truth_error_m, 1)) +
            "</td><td>" + (u.track ? fmt(u.track.speed_mps, 2) : "–") + "</td><td>" + u.fixes + "</td></tr>").join("");
          table("counters", [["fixes", c.fixes], ["ok", c.ok], ["suspect", c.suspect], ["outlier", c.outlier], ["failed", c.failed],
            ["not fixes", c.undecodable], ["UEs evicted", c.ues_evicted], ["viewers (dropped, refused)", c.clients + " (" + c.clients_dropped + ", " + c.clients_refused + ")"]]);
          const e = state.errors;
          if (e) table("errors", [["fixes with truth", e.count], ["median", fmt(100 * e.median_m, 2) + " cm"], ["95 %", fmt(100 * e.p95_m, 2) + " cm"], ["max", fmt(100 * e.max_m, 2) + " cm"]]);
          const m = state.metrics;
          if (m) {
            document.getElementById("metricsurl").textContent = m.url;
            const rows = Object.keys(m.series).sort().map(k => [esc(k.replace(/^csilocd_/, "")), fmt(m.series[k], Number.isInteger(m.series[k]) ? 0 : 3)]);
            if (m.error) rows.unshift(['<span class="down">' + esc(m.error) + "</span>", ""]);
            table("metrics", rows.length ? rows : [["no csilocd_ series"]]);
          }
        }

        // ?limit=N (headless checks, screenshots): N events, then stay on the last picture instead of reconnecting
        const limit = new URLSearchParams(location.search).get("limit");
        function connect() {
          const es = new EventSource(limit ? "events?limit=" + encodeURIComponent(limit) : "events");
          const conn = document.getElementById("conn");
          es.onopen = () => { conn.textContent = "live"; conn.className = "up"; };
          es.onerror = () => {
            if (limit) { es.close(); conn.textContent = "stopped after " + limit + " updates"; conn.className = "up"; return; }
            conn.textContent = "reconnecting…"; conn.className = "down";
          };
          es.addEventListener("state", ev => { state = JSON.parse(ev.data); panel(); draw(); });
        }
        window.addEventListener("resize", draw);
        draw();
        connect();
        </script>
        </body></html>
        """#
}
