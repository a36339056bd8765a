/* journeysim replay player: plays the JSON that journeysim.report.replay writes into each
   <div class="jsr"> (one floor per scenario, one clock). No network, no framework. */
(() => {
  "use strict";

  // ColorBrewer RdBu (diverging, colour-blind safe): upset (red) .. neutral .. delighted (blue).
  const RDBU = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
    "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"];
  const SPEEDS = [1, 5, 10, 30, 60, 120, 300, 600];
  const UP = "#4d4d4d", DOWN = "#d73027", QUEUE = "#c8bca8", STAFF = "#1b7837";
  const STAFF_SEEN_MIN = 45; // a staff member stays drawn where last met for this long
  const WAITING = ["queue", "stuck"]; // waiting to pay: in a line's queue, or at its till for a dead terminal
  const LEAST_PX = 11, TINIEST_PX = 9; // CSS px: labels never smaller (then shrunk to fit, then cut)
  const BACKING = "rgba(255,255,255,0.8)"; // behind a label, over the dots and shelves under it
  const GAP_PX = 4; // CSS px between two labels of a row
  const AT_TILL = 2.6; // floor units above its till a paying shopper stands (its terminal in view)
  const MIN_FLOOR_PX = 400; // narrower floors are unreadable: the side panel goes below, then rows
  const DOOR_TIP = "Way in: shoppers come in through this door into the entrance zone, taking a cart from the pool beside it.";

  const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  function moodColour(v) {
    const x = (Math.max(-1, Math.min(1, v)) + 1) / 2 * (RDBU.length - 1);
    const i = Math.min(Math.floor(x), RDBU.length - 2), f = x - i;
    const a = hex(RDBU[i]), b = hex(RDBU[i + 1]);
    return `rgb(${a.map((c, k) => Math.round(c + (b[k] - c) * f)).join(",")})`;
  }
  // CSS px under the floor of a canvas `width` CSS px wide: the row of cashiers' names (1.3 floor
  // units high, at least LEAST_PX), clear of every shopper
  const footPx = (geo, width) => Math.max(1.3 * width / geo.width, LEAST_PX) * 1.4;
  const pad = (n) => String(n).padStart(2, "0");
  const apart = (p, q) => p[2] <= q[0] || q[2] <= p[0] || p[3] <= q[1] || q[3] <= p[1]; // boxes

  const clock = (m) => `${pad(Math.floor(m / 60) % 24)}:${pad(Math.floor(m % 60))}`;
  const endClock = (m) => (m > 0 && m % 1440 === 0 ? "24:00" : clock(m)); // the day's end: 24:00
  const signed = (x) => { const r = Math.round(x * 100) / 100 || 0; return (r >= 0 ? "+" : "") + r.toFixed(2); }; // never "-0.00"
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }
  function lastAtOrBefore(times, t) { // index of the last time <= t, or -1
    let lo = 0, hi = times.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
  // the word of the valence as shown, to two decimals (+0.25 is content whatever follows)
  function moodWord(moods, v) { const shown = Math.round(v * 100) / 100; return moods.find(([bound]) => shown <= bound)[1]; }

  class Shopper {
    constructor(d) {
      Object.assign(this, d);
      this.wayTimes = d.way.map((w) => w[0]);
      this.floorSteps = d.steps.filter((s) => s[1] !== "after the visit");
      this.moodTimes = this.floorSteps.map((s) => s[0]);
    }
    at(t) { // place now, previous place, minutes since arriving here, mood
      const i = Math.max(lastAtOrBefore(this.wayTimes, t), 0);
      const k = Math.max(lastAtOrBefore(this.moodTimes, t), 0);
      return { place: this.way[i][1], previous: i > 0 ? this.way[i - 1][1] : null,
        since: t - this.way[i][0], mood: this.floorSteps.length ? this.floorSteps[k][3] : 0 };
    }
  }

  class Panel {
    constructor(player, data, index) {
      this.player = player; this.data = data; this.index = index;
      this.geo = player.data.geometry;
      this.shoppers = data.shoppers.map((d) => new Shopper(d));
      this.canvas = el("canvas", { "aria-label": `Store floor of ${data.scenario}`, role: "img" });
      this.counts = el("div", { class: "jsr-counts", "aria-live": "off" });
      this.root = el("section", { class: "jsr-panel", "data-scenario": data.scenario },
        el("h3", {}, data.scenario, data.description ? el("span", { class: "jsr-description" }, ` — ${data.description}`) : ""),
        this.canvas, this.counts);
      this.canvas.addEventListener("click", (e) => this.click(e));
      this.canvas.addEventListener("mousemove", (e) => this.hover(e));
      this.dots = [];
      this.tips = []; // [x0, y0, x1, y1, text] in canvas px: what a label or mark means
      this.queueBars = []; // [line, waiting, from y, to y] in floor units, as last drawn
      // each zone's sets of floor staff drawn at once over the window: their names' strip at
      // the zone's foot is kept free of shoppers (sized in draw, as it depends on the scale)
      this.crowds = {};
      for (const [time] of data.sightings) {
        const byZone = {};
        for (const [name, zone] of this.seen(time)) (byZone[zone] ||= []).push(name);
        for (const [zone, names] of Object.entries(byZone)) (this.crowds[zone] ||= new Map()).set(names.join("\n"), names);
      }
      this.strips = {}; this.queueTop = Infinity; // floor units, set by draw before placing dots
    }
    seen(t) { // floor staff name -> the zone a shopper last met them in, within STAFF_SEEN_MIN
      const seen = new Map();
      for (const [time, zone, name] of this.data.sightings) {
        if (time <= t && t - time < STAFF_SEEN_MIN) seen.set(name, zone);
      }
      return seen;
    }
    resize() {
      const ratio = window.devicePixelRatio || 1, width = this.canvas.clientWidth || 800;
      this.ratio = ratio;
      this.canvas.width = Math.round(width * ratio);
      this.scale = this.canvas.width / this.geo.width;
      this.canvas.height = Math.round(width * ratio * this.geo.height / this.geo.width + footPx(this.geo, width) * ratio);
    }
    toCanvas(x, y) { return [x * this.scale, (this.geo.height - y) * this.scale]; }
    sample(t) { return Math.max(lastAtOrBefore(this.data.samples.time, t), 0); }
    down(till, t) {
      return this.data.outages.some(([i, a, b]) => i === till && a <= t && t < b);
    }
    position(place, s, rank = 0, step = 0) {
      const [kind, arg] = place, f = this.data.floor;
      if (kind === "zone") { // above the staff names' strip, below the zone's name
        const z = f.zones[arg], [x, y, w, h] = z.box, low = (this.strips[z.name] || 0) + 1.5;
        return [x + 1.5 + s.u * (w - 3), y + low + s.v * (h - 5.5 - low)];
      }
      if (kind === "queue") { // behind the shopper paying, as close as the line's label leaves room for
        const [x, y] = f.lines[arg].at;
        return [x + 0.6 * (s.u - 0.5), y + 1 + rank * step];
      }
      if (kind === "till" || kind === "stuck") {
        const [tx, ty] = f.tills[String(place[place.length - 1])];
        return [tx, ty + AT_TILL];
      }
      const [x, y, w, h] = f.exit; // leaving, or "atm": gone out for cash (as animate._position)
      return [x + 2 + s.u * (w - 4), y + 2 + s.v * (h - 9)];
    }
    state(t) { // every shopper on the floor at t with position and mood; queues in join order
      const active = this.shoppers.filter((s) => s.start <= t && t < s.end).map((s) => ({ s, ...s.at(t) }));
      const queued = {};
      for (const a of active) {
        if (a.place[0] === "queue") (queued[a.place[1]] ||= []).push(a);
      }
      for (const [n, members] of Object.entries(queued)) {
        const room = this.queueTop - this.data.floor.lines[n].at[1] - 1; // a long queue closes up
        const step = Math.min(this.geo.queueStep, room / Math.max(members.length - 1, 1));
        members.sort((p, q) => (t - p.since) - (t - q.since) || p.s.visit - q.s.visit)
          .forEach((a, r) => { a.rank = r; a.step = step; });
      }
      for (const a of active) {
        let [x, y] = this.position(a.place, a.s, a.rank, a.step);
        if (a.previous && a.since < this.geo.glide) {
          const [px, py] = this.position(a.previous, a.s, 0), f = a.since / this.geo.glide;
          x = px + (x - px) * f; y = py + (y - py) * f;
        }
        a.x = x; a.y = y;
      }
      return active;
    }
    counted(t, active) {
      const inside = active.filter((a) => t < a.s.left && a.place[0] !== "atm"); // not out for cash
      const waiting = active.filter((a) => WAITING.includes(a.place[0])).length;
      const left = this.data.leftBefore + this.shoppers.filter(
        (s) => s.abandoned && s.left <= t && s.left >= this.player.data.from).length;
      const mean = inside.length ? inside.reduce((sum, a) => sum + a.mood, 0) / inside.length : 0;
      return { inside: inside.length, waiting, left, mean };
    }
    draw(t) {
      const c = this.canvas.getContext("2d"), f = this.data.floor, k = this.scale;
      const S = this.data.samples, i = this.sample(t);
      const rect = ([x, y, w, h], fill, stroke) => {
        const [cx, cy] = this.toCanvas(x, y + h);
        c.fillStyle = fill; c.fillRect(cx, cy, w * k, h * k);
        if (stroke) { c.strokeStyle = stroke; c.lineWidth = Math.max(1, k * 0.15); c.strokeRect(cx, cy, w * k, h * k); }
      };
      const ratio = this.ratio || 1;
      this.tips = []; this.labels = []; this.staffLabels = []; // as drawn, for tooltips and tests
      const high = (size) => Math.max(size, LEAST_PX * ratio / k); // a label's height in floor units
      // A label `size` floor units high, but at least LEAST_PX on screen; given `room` (floor
      // units), it shrinks to fit down to TINIEST_PX, then is cut with "…" (the whole label is
      // then its tooltip); kept whole inside `within` (floor units across, else the canvas).
      // Painted over the dots on a light backing (`bg`); the layout keeps labels where shoppers
      // stand still. `layout` places it; `text` keeps it and returns its box [x0, y0, x1, y1]
      // in canvas px.
      const layout = (s, x, y, size, { align = "center", colour = "#222", weight = "", room = Infinity, tip = "", bg = BACKING, within = [0, this.geo.width] } = {}) => {
        const [cx, cy] = this.toCanvas(x, y), width = room * k, edge = 2 * ratio;
        let px = high(size) * k;
        const font = () => { c.font = `${weight} ${px}px system-ui, sans-serif`; };
        font();
        let shown = s, w = c.measureText(s).width;
        if (w > width) { px = Math.max(px * width / w, TINIEST_PX * ratio); font(); w = c.measureText(s).width; }
        while (w > width && shown.length > 1) { shown = shown.slice(0, -2) + "…"; w = c.measureText(shown).width; }
        const left = align === "left" ? cx : align === "right" ? cx - w : cx - w / 2;
        const x0 = Math.max(Math.min(left, within[1] * k - edge - w), within[0] * k + edge, edge);
        const y0 = Math.max(Math.min(cy - px / 2, this.canvas.height - edge - px), edge);
        return { text: s, shown, box: [x0, y0, x0 + w, y0 + px], px: px / ratio, font: c.font, colour, bg,
          tip: tip || (shown !== s ? s : "") };
      };
      const text = (...args) => this.keep(layout(...args));
      // A row of labels, one a line of the checkout, each centred on its line (x): whole where it
      // clears the one before it (nudged right, as long as it still spans its line's centre),
      // else fitted to its line's column.
      const column = this.geo.checkout[2] / Math.max(f.lines.length, 1);
      const row = (items) => {
        let right = -Infinity;
        for (const [s, x, y, size, style] of items) {
          let label = layout(s, x, y, size, style);
          const shift = Math.max(right + GAP_PX * ratio - label.box[0], 0), [x0, , x1] = label.box;
          if (x0 + shift > x * k || x1 + shift > this.canvas.width) label = layout(s, x, y, size, { ...style, room: column - 1 });
          else label.box = [x0 + shift, label.box[1], x1 + shift, label.box[3]];
          right = this.keep(label)[2];
        }
      };
      // floor staff's names: the room for one beside its mark, wrapped at its last space onto a
      // second line where it is too long
      const NAME = 1.7, pitch = Math.max(2.3, LEAST_PX * ratio * 1.15 / k), mark = Math.max(k, 4 * ratio) / k;
      const wrap = (name, room) => {
        c.font = `bold ${high(NAME) * k}px system-ui, sans-serif`;
        const cut = name.lastIndexOf(" ");
        return c.measureText(name).width <= room * k || cut < 0 ? [name] : [name.slice(0, cut), name.slice(cut + 1)];
      };
      // the strip at each zone's foot for the most staff names it shows at once, at most what
      // leaves shoppers 3 units between it and the zone's name
      for (const z of f.zones) {
        const [, , w, h] = z.box, room = w - 2 - mark;
        const rows = Math.max(0, ...[...(this.crowds[z.name] || new Map()).values()]
          .map((names) => names.reduce((n, name) => n + wrap(name, room).length, 0)));
        this.strips[z.name] = Math.min(rows, Math.floor((h - 10) / pitch)) * pitch;
      }
      this.queueTop = this.geo.checkout[1] + this.geo.checkout[3] - 2 - high(1.8) / 2 - 1.4; // under "N waiting"
      c.fillStyle = "#fff"; c.fillRect(0, 0, this.canvas.width, this.canvas.height);
      // zones: floor tinted by dirt, shelves, the shoppers drawn in each (a dot on its way
      // counts where it is drawn, as the GIF's animate.drawn_in); the first zone is the entrance
      const active = this.state(t), chosen = this.player.highlighted(this.index);
      const drawnIn = ([x, y, w, h]) =>
        active.filter((a) => a.x >= x && a.x <= x + w && a.y >= y && a.y <= y + h).length;
      f.zones.forEach((z, n) => {
        const [x, y, w, h] = z.box, dirt = (S.dirt[z.name] || [])[i] || 0;
        const tint = [238, 242, 247].map((v, j) => Math.round(v + ([201, 169, 120][j] - v) * dirt));
        rect(z.box, `rgb(${tint.join(",")})`, "#8899aa");
        if (n > 0) for (let r = 0; r < 3; r++) rect([x + 3, y + 4 + r * (h - 10) / 2.5, w - 6, 0.8], "#c3cad6");
        text(`${z.name}: ${drawnIn(z.box)}`, x + w / 2, y + h - 2.5, 2.2, { room: w - 1 });
        if (dirt >= 0.5) { // a spill, under the staff names at the zone's foot
          const [cx, cy] = this.toCanvas(x + w - 5, y + 3), [rx, ry] = [3 * k, 1.4 * k];
          c.fillStyle = "rgba(176,138,74,0.75)"; c.beginPath();
          c.ellipse(cx, cy, rx, ry, 0, 0, 2 * Math.PI); c.fill();
          this.tips.push([cx - rx, cy - ry, cx + rx, cy + ry, `spill: the ${z.name} floor is dirty`]);
        }
      });
      // the door shoppers come in by, over the entrance zone, and the cart pool beside it
      const [ex, ey, ew, eh] = f.zones[0].box, carts = S.carts[i];
      const door = text("way in ▼", ex + 1, ey + eh + 1.8, 1.8, { align: "left", weight: "bold", tip: DOOR_TIP });
      const cartsX = Math.max(ex + 8, (door[2] - door[0]) / k + ex + 2.5);
      text(`carts in the pool: ${carts} of ${f.carts}`, cartsX, ey + eh + 1.6, 1.5, { align: "left", room: 40 });
      const gauge = [cartsX, ey + eh + 3.2, Math.min(ew + 8, 24), 1.2];
      rect(gauge, "#fff", "#888");
      rect([gauge[0], gauge[1], gauge[2] * carts / Math.max(f.carts, 1), gauge[3]], "#7a8699");
      // checkout: queue lanes, tills with terminals, cashiers at their posts
      const box = this.geo.checkout;
      rect(box, "#f7f4ee", "#aa9988");
      let anyDown = 0;
      this.queueBars = [];
      const counts = [], lanes = [], cashiers = [];
      f.lines.forEach((line, n) => {
        // the shoppers drawn in the line, and those stuck at its tills (the label counts both, the
        // GIF's apart: animate.queue_label; the bar the queue); the monitor's minute samples lag the dots
        const [qx, qy] = line.at, mine = active.filter((a) => WAITING.includes(a.place[0]) && a.place[1] === n);
        const waiting = mine.length, queue = mine.filter((a) => a.place[0] === "queue");
        if (queue.length) { // the queue as long as it is drawn, front at the till; an empty one draws nothing
          const top = qy + 2 + (queue.length - 1) * queue[0].step;
          const [x0, y0] = this.toCanvas(qx, qy - 1), [, y1] = this.toCanvas(qx, top);
          c.strokeStyle = QUEUE; c.lineWidth = 1.8 * k; c.beginPath(); c.moveTo(x0, y0); c.lineTo(x0, y1); c.stroke();
          this.queueBars.push([n, queue.length, qy - 1, top]);
        }
        counts.push([`${waiting} waiting`, qx, box[1] + box[3] - 2, 1.8, {}]);
        lanes.push([line.staffed ? `lane ${n + 1}` : "self-checkout", qx, box[1] - 1.4, 1.7, { weight: "bold" }]);
        if (!line.staffed) return;
        // the cashier's name under the lane's, on the floor's foot, where no shopper goes
        const cashier = (S.cashiers[String(line.tills[0])] || [])[i];
        const who = cashier >= 0 ? this.data.staff[String(cashier)] || `staff ${cashier}` : "no cashier";
        cashiers.push([who, qx, -footPx(this.geo, this.canvas.width / ratio) / 2 / (k / ratio), 1.3, { colour: STAFF }]);
      });
      [counts, lanes, cashiers].forEach(row);
      for (const [till, [tx, ty]] of Object.entries(f.tills)) {
        const down = this.down(Number(till), t);
        anyDown += down;
        rect([tx - 1.6, ty - 1.6, 3.2, 3.2], down ? DOWN : UP, "#000");
        if (down) {
          const [ax, ay] = this.toCanvas(tx - 1, ty + 1), [bx, by] = this.toCanvas(tx + 1, ty - 1);
          c.strokeStyle = "#fff"; c.lineWidth = 0.35 * k; c.beginPath();
          c.moveTo(ax, ay); c.lineTo(bx, by); c.moveTo(bx, ay); c.lineTo(ax, by); c.stroke();
        }
        const line = f.lines.find((l) => l.tills.includes(Number(till)));
        if (line && line.staffed && (S.cashiers[till] || [])[i] >= 0) { // the cashier behind the till, if any
          const [cx, cy] = this.toCanvas(tx + 2.6, ty);
          c.fillStyle = STAFF; c.beginPath(); c.arc(cx, cy, 0.8 * k, 0, 2 * Math.PI); c.fill();
        }
      }
      rect(f.exit, "#eeeeee", "#888888");
      text("EXIT", f.exit[0] + f.exit[2] / 2, f.exit[1] + f.exit[3] - 2.5, 2.2, { room: f.exit[2] - 1 });
      if (anyDown) {
        const all = anyDown === Object.keys(f.tills).length ? "ALL " : `${anyDown} `;
        const [bx, by] = this.toCanvas(45, this.geo.height - 1);
        c.fillStyle = DOWN; c.fillRect(bx, by, 40 * k, 5 * k);
        text(`${all}CARD TERMINAL${anyDown > 1 ? "S" : ""} DOWN`, 65, this.geo.height - 3.5, 2.2, { colour: "#fff", weight: "bold", room: 39, bg: "" });
      }
      // floor staff where shoppers last met them: one line a row up the zone's strip (wrapped
      // names take two); those the strip has no room for are left out
      const used = {};
      for (const [name, zone] of this.seen(t)) {
        const z = f.zones.find((q) => q.name === zone);
        if (!z) continue;
        const [x, y, w] = z.box, sx = x + 1, tx = sx + mark + 0.5;
        const first = used[zone] || 0, at = (r) => y + 0.3 + (r + 0.5) * pitch;
        const room = x + w - 0.5 - tx, lines = wrap(name, room);
        if ((first + lines.length) * pitch > this.strips[zone] + 0.01) continue;
        used[zone] = first + lines.length;
        const top = first + lines.length - 1, [cx, cy] = this.toCanvas(sx + mark / 2, at(top)), d = mark * k;
        c.fillStyle = STAFF; c.beginPath();
        c.moveTo(cx, cy - d); c.lineTo(cx + d, cy); c.lineTo(cx, cy + d); c.lineTo(cx - d, cy); c.fill();
        const met = `${name}: staff, drawn where a shopper last met them (within ${STAFF_SEEN_MIN} min)`;
        const boxes = lines.map((s, r) => text(s, tx, at(top - r), NAME, { align: "left", colour: STAFF, weight: "bold",
          room, tip: met }));
        this.staffLabels.push({ name, zone, box: [cx - d, boxes[0][1], Math.max(...boxes.map((b) => b[2])), boxes[boxes.length - 1][3]] });
      }
      // shoppers
      this.dots = active;
      for (const a of active) {
        const [cx, cy] = this.toCanvas(a.x, a.y);
        c.fillStyle = moodColour(a.mood); c.strokeStyle = "#222"; c.lineWidth = Math.max(1, 0.12 * k);
        c.beginPath(); c.arc(cx, cy, 0.95 * k, 0, 2 * Math.PI); c.fill(); c.stroke();
      }
      for (const a of active.filter((q) => q.s.customer === chosen)) {
        const [cx, cy] = this.toCanvas(a.x, a.y);
        c.strokeStyle = "#000"; c.lineWidth = 0.45 * k; c.beginPath(); c.arc(cx, cy, 1.9 * k, 0, 2 * Math.PI); c.stroke();
        c.strokeStyle = "#fee08b"; c.lineWidth = 0.25 * k; c.stroke();
        // above the dot, else below or beside it, where no other label is; inside the zone it is in
        const z = f.zones.find(({ box: [x, y, w, h] }) => a.x >= x && a.x <= x + w && a.y >= y && a.y <= y + h);
        const within = z ? [z.box[0], z.box[0] + z.box[2]] : undefined;
        const tries = [[0, 3.2, "center"], [0, -3.2, "center"], [2.4, 0, "left"], [-2.4, 0, "right"]]
          .map(([dx, dy, align]) => layout(`customer ${chosen}`, a.x + dx, a.y + dy, 1.7, { align, colour: "#000", weight: "bold", within }));
        this.keep(tries.find((l) => this.labels.every((o) => apart(l.box, o.box))) || tries[0]);
      }
      this.paintLabels(c);
      const k2 = this.counted(t, active), moods = this.player.data.moods;
      this.counts.replaceChildren(
        el("span", {}, "in the store ", el("b", {}, String(k2.inside))),
        el("span", {}, "waiting to pay ", el("b", {}, String(k2.waiting))),
        el("span", {}, "left without buying today ", el("b", {}, String(k2.left))),
        el("span", {}, "mean mood ", el("b", {}, `${signed(k2.mean)} ${moodWord(moods, k2.mean)}`)));
      Object.assign(this.root.dataset, { inside: k2.inside, waiting: k2.waiting, left: k2.left });
    }
    keep(label) { // a label laid out by draw(): painted by paintLabels, its tooltip on hover
      this.labels.push(label);
      if (label.tip) this.tips.push([...label.box, label.tip]);
      return label.box;
    }
    paintLabels(c) { // the labels laid out by draw(), over the dots
      const ratio = this.ratio || 1;
      for (const { shown, box: [x0, y0, x1, y1], font, colour, bg } of this.labels) {
        if (bg) { c.fillStyle = bg; c.fillRect(x0 - 2 * ratio, y0 - ratio, x1 - x0 + 4 * ratio, y1 - y0 + 2 * ratio); }
        c.font = font; c.fillStyle = colour; c.textAlign = "left"; c.textBaseline = "middle";
        c.fillText(shown, x0, (y0 + y1) / 2);
      }
    }
    hover(event) { // a label's or mark's tooltip
      const r = this.canvas.getBoundingClientRect(), ratio = this.canvas.width / r.width;
      const px = (event.clientX - r.left) * ratio, py = (event.clientY - r.top) * ratio;
      const tip = this.tips.find(([x0, y0, x1, y1]) => x0 <= px && px <= x1 && y0 <= py && py <= y1);
      const text = tip ? tip[4] : "";
      if (this.canvas.title !== text) this.canvas.title = text;
    }
    click(event) {
      const r = this.canvas.getBoundingClientRect(), ratio = this.canvas.width / r.width;
      const px = (event.clientX - r.left) * ratio, py = (event.clientY - r.top) * ratio;
      let best = null, dist = 2.2 * this.scale;
      for (const a of this.dots) {
        const [cx, cy] = this.toCanvas(a.x, a.y), d = Math.hypot(cx - px, cy - py);
        if (d < dist) { best = a; dist = d; }
      }
      this.player.select(best ? best.s.customer : null, this.index);
    }
    clientPosition(visit) { // where a shopper's dot is on screen now (for tests and tours)
      const a = this.dots.find((q) => q.s.visit === visit);
      if (!a) return null;
      const r = this.canvas.getBoundingClientRect(), [cx, cy] = this.toCanvas(a.x, a.y);
      const ratio = r.width / this.canvas.width;
      return [r.left + cx * ratio, r.top + cy * ratio];
    }
  }

  class Player {
    constructor(root, data) {
      this.root = root; this.data = data; this.t = data.from; this.speed = 60;
      this.playing = false; this.chosen = null; this.chosenPanel = 0; this.follow = true;
      this.panels = data.panels.map((p, i) => new Panel(this, p, i));
      this.build();
      window.addEventListener("resize", () => this.resize());
      this.resize();
    }
    build() {
      const d = this.data;
      this.clockEl = el("div", { class: "jsr-clock", "aria-live": "off" });
      this.playBtn = el("button", { type: "button", class: "jsr-play", title: "Play or pause (space)", onclick: () => this.toggle() });
      this.speedSel = el("select", { class: "jsr-speed", title: "Speed (up and down arrows)", onchange: () => { this.speed = Number(this.speedSel.value); } },
        ...SPEEDS.map((s) => el("option", { value: s }, s === 1 ? "real time" : `${s}x`)));
      this.speedSel.value = String(this.speed);
      const presenter = el("button", { type: "button", class: "jsr-presenter", title: "Presenter mode (F)", onclick: () => this.presenter() }, "Presenter mode");
      this.slider = el("input", { type: "range", class: "jsr-scrub", min: d.from, max: d.to, step: "0.1", value: d.from, "aria-label": "Time of day" });
      this.slider.addEventListener("input", () => this.seek(Number(this.slider.value)));
      const marks = el("div", { class: "jsr-marks" });
      const seenMarks = new Set();
      for (const p of d.panels) {
        for (const m of p.events) {
          const key = `${m.kind}@${m.t}`;
          if (seenMarks.has(key)) continue;
          seenMarks.add(key);
          const label = d.panels.length > 1 ? `${m.label} — ${p.scenario}` : m.label;
          marks.append(el("button", { type: "button", class: `jsr-mark ${m.kind}`, title: label, "aria-label": label,
            "data-kind": m.kind, "data-time": m.t, style: `left:${(m.t - d.from) / (d.to - d.from) * 100}%`,
            onclick: () => this.seek(m.t) }));
        }
      }
      this.side = el("aside", { class: "jsr-side", "aria-live": "polite" });
      const panels = el("div", { class: "jsr-panels" }, ...this.panels.map((p) => p.root));
      this.panelsEl = panels;
      const stops = RDBU.map((c, i) => `${c} ${i * 10}%`).join(",");
      const legend = el("div", { class: "jsr-legend" },
        el("span", { class: "jsr-scale" }, "shopper's mood: ", d.moods[0][1], " ",
          el("span", { class: "bar", style: `background:linear-gradient(90deg,${stops})` }), " ", d.moods[d.moods.length - 1][1]),
        el("span", {}, el("span", { class: "jsr-swatch", style: `background:${UP}` }), "card terminal works"),
        el("span", {}, el("span", { class: "jsr-swatch", style: `background:${DOWN}` }), "card terminal down"),
        el("span", {}, el("span", { class: "jsr-swatch", style: `background:${QUEUE};border-color:${QUEUE}` }), "queue (front at the till)"),
        el("span", {}, el("span", { class: "jsr-swatch", style: `background:${STAFF};border-radius:50%` }), "cashier"),
        el("span", {}, el("span", { class: "jsr-swatch", style: `background:${STAFF};transform:rotate(45deg) scale(0.8)` }), "staff where a shopper met them"),
        el("span", {}, el("span", { class: "jsr-swatch", style: "background:#c9a978" }), "floor dirt, spill"),
        el("span", { title: DOOR_TIP }, el("b", {}, "way in ▼"), " the door shoppers come in by"));
      const keys = el("div", { class: "jsr-keys" }, this.pageKeys() ? "Keys: " : "Click the replay, then keys: ",
        "space play/pause · ← → one minute (shift: ten) · ↑ ↓ speed · F presenter mode · click a shopper to follow");
      this.root.append(
        el("div", { class: "jsr-top" },
          el("div", { class: "jsr-title" }, this.root.dataset.title || ""),
          this.clockEl,
          el("div", { class: "jsr-controls" }, this.playBtn,
            el("button", { type: "button", title: "Back one minute (←)", onclick: () => this.seek(this.t - 1) }, "−1 min"),
            el("button", { type: "button", title: "Forward one minute (→)", onclick: () => this.seek(this.t + 1) }, "+1 min"),
            el("label", {}, "speed ", this.speedSel), presenter)),
        el("div", { class: "jsr-timeline" }, this.slider, marks),
        this.body = el("div", { class: "jsr-body" }, panels, this.side), legend, keys);
      this.legendEl = legend;
      this.root.tabIndex = -1;
      document.addEventListener("keydown", (e) => this.key(e));
    }
    resize() { this.layout(); this.fit(); this.panels.forEach((p) => p.resize()); this.render(); }
    fit() { // presenter mode: floors as tall as the screen leaves them, counts and legend in view
      this.panels.forEach((p) => { p.canvas.style.maxWidth = ""; });
      this.side.style.maxHeight = "";
      if (!this.root.classList.contains("presenter")) return;
      // the story scrolls within the screen (story() keeps its latest step in view)
      const room = window.innerHeight - this.side.getBoundingClientRect().top - this.legendEl.offsetHeight - 32;
      this.side.style.maxHeight = `${Math.max(room, 120)}px`;
      const first = this.panels[0], geo = this.data.geometry;
      const below = first.counts.offsetHeight + this.legendEl.offsetHeight + 32;
      const height = window.innerHeight - first.canvas.getBoundingClientRect().top - below;
      const tall = height * geo.width / geo.height; // as wide as the floor is, less its foot
      const width = Math.max(MIN_FLOOR_PX / 2, tall - footPx(geo, tall) * geo.width / geo.height);
      this.panels.forEach((p) => { p.canvas.style.maxWidth = `${width}px`; });
    }
    layout() { // floors side by side while each is MIN_FLOOR_PX wide: else the side panel below, then rows
      const n = this.panels.length, body = this.body, grid = this.panelsEl;
      body.classList.remove("jsr-stacked");
      grid.style.gridTemplateColumns = `repeat(${n}, minmax(0, 1fr))`;
      const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
      const each = (width) => (width - gap * (n - 1)) / n;
      if (n > 1 && each(grid.clientWidth) < MIN_FLOOR_PX) body.classList.add("jsr-stacked");
      const width = grid.clientWidth;
      const columns = Math.max(1, Math.min(n, Math.floor((width + gap) / (MIN_FLOOR_PX + gap))));
      grid.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
      this.root.dataset.columns = String(columns);
    }
    highlighted(index) { return this.follow || index === this.chosenPanel ? this.chosen : null; }
    toggle() { this.playing ? this.pause() : this.play(); }
    play() {
      if (this.t >= this.data.to) this.t = this.data.from;
      this.playing = true; this.last = performance.now();
      requestAnimationFrame((now) => this.tick(now));
      this.render();
    }
    pause() { this.playing = false; this.render(); }
    tick(now) {
      if (!this.playing) return;
      this.t += (now - this.last) / 1000 * this.speed / 60;
      this.last = now;
      if (this.t >= this.data.to) { this.t = this.data.to; this.playing = false; }
      this.render();
      if (this.playing) requestAnimationFrame((n) => this.tick(n));
    }
    seek(t) { this.t = Math.max(this.data.from, Math.min(this.data.to, t)); this.render(); }
    select(customer, index) { this.chosen = customer; this.chosenPanel = index; this.render(); }
    presenter() {
      const on = !this.root.classList.contains("presenter");
      this.root.classList.toggle("presenter", on);
      if (on && this.root.requestFullscreen) this.root.requestFullscreen().catch(() => {});
      if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
      requestAnimationFrame(() => this.resize());
    }
    pageKeys() { return this.root.dataset.keys === "page"; }
    key(e) { // a page of its own: every key; in a report: once a click has focused the player
      const mine = this.pageKeys() || this.root.contains(document.activeElement) || this.root.classList.contains("presenter");
      if (!mine || e.target instanceof HTMLSelectElement || e.altKey || e.ctrlKey || e.metaKey) return;
      const step = e.shiftKey ? 10 : 1, i = SPEEDS.indexOf(this.speed);
      const actions = {
        " ": () => this.toggle(), ArrowRight: () => this.seek(this.t + step), ArrowLeft: () => this.seek(this.t - step),
        ArrowUp: () => { this.speed = SPEEDS[Math.min(i + 1, SPEEDS.length - 1)]; this.speedSel.value = this.speed; },
        ArrowDown: () => { this.speed = SPEEDS[Math.max(i - 1, 0)]; this.speedSel.value = this.speed; },
        f: () => this.presenter(), F: () => this.presenter(),
        Escape: () => { if (this.root.classList.contains("presenter")) this.presenter(); },
      };
      if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
    }
    render() {
      const t = this.t;
      this.clockEl.textContent = `${endClock(t)}:${pad(Math.floor((t * 60) % 60))}`;
      this.playBtn.textContent = this.playing ? "❚❚ Pause" : "▶ Play";
      this.playBtn.setAttribute("aria-pressed", String(this.playing));
      if (document.activeElement !== this.slider) this.slider.value = String(t);
      Object.assign(this.root.dataset, { time: t.toFixed(2), playing: String(this.playing) });
      this.panels.forEach((p) => p.draw(t));
      this.story(t);
    }
    story(t) {
      const side = this.side, chosen = this.chosen;
      if (chosen === null) {
        side.replaceChildren(el("h4", {}, "Click a shopper"),
          el("p", { class: "jsr-hint" }, "The side panel then tells the visit so far, touchpoint by touchpoint, as `journeysim trace --customer ID` does (for a scenario after the first, with `--history-of` the first's file, as the replay starts it from the first's history), and at the end what the shopper remembers and whether they come back."));
        return;
      }
      const parts = [el("h4", {}, `Customer ${chosen}`)];
      if (this.panels.length > 1) {
        parts.push(el("button", { type: "button", class: "jsr-follow", "aria-pressed": String(this.follow),
          onclick: () => { this.follow = !this.follow; this.render(); } }, "Follow this shopper in every panel"));
      }
      const clicked = this.panels[this.chosenPanel];
      const shown = this.follow ? [clicked, ...this.panels.filter((p) => p !== clicked)] : [clicked];
      for (const p of shown) parts.push(...this.visitStory(p, chosen, t));
      parts.push(el("p", {}, el("button", { type: "button", onclick: () => this.select(null, 0) }, "Close")));
      side.replaceChildren(...parts);
      const latest = side.querySelector("tr.latest"); // keep the clicked store's latest step in view
      if (latest) side.scrollTop += latest.getBoundingClientRect().top - side.getBoundingClientRect().top - side.clientHeight / 2;
    }
    visitStory(panel, customer, t) {
      const mine = panel.shoppers.filter((s) => s.customer === customer);
      const head = this.panels.length > 1 ? [el("h4", {}, panel.data.scenario)] : [];
      if (!mine.length) return [...head, el("p", { class: "jsr-hint" }, "Not in this store during these hours.")];
      const s = mine.find((q) => q.start <= t && t < q.end) || mine.find((q) => q.start > t) || mine[mine.length - 1];
      const out = [...head, el("p", {}, s.header)];
      s.heading.forEach((line, i) => out.push(el("p", { class: i ? "warn" : "" }, line)));
      if (t < s.start) { out.push(el("p", { class: "jsr-hint" }, `Arrives at ${clock(s.start)}.`)); return out; }
      // a step: [time, place, what, valence, then its time, felt, effort and mood after as trace prints them]
      const rows = s.steps.filter((st) => st[0] <= t).map((st, i, all) => el("tr", { class: i === all.length - 1 ? "latest" : "" },
        el("td", { class: "num" }, st[4]), el("td", { class: "minor" }, st[1]), el("td", {}, st[2]),
        el("td", { class: "num", title: "felt" }, st[5]), el("td", { class: "num minor", title: "effort" }, st[6]),
        el("td", { class: "num", title: "mood after" }, st[7])));
      out.push(el("table", {}, el("thead", {}, el("tr", {}, ...["time", "place", "what happened", "felt", "effort", "mood after"].map((h) => el("td", { class: h === "place" || h === "effort" ? "minor" : "" }, h)))),
        el("tbody", {}, ...rows)));
      out.push(this.moodLine(s, t));
      if (t >= s.left) out.push(el("div", { class: "outcome" }, [...s.outcome, s.comesBack].join("\n")));
      return out;
    }
    moodLine(s, t) { // the mood after each touchpoint so far, as a small line chart
      const w = 320, h = 70, steps = s.steps.filter((st) => st[0] <= t);
      const canvas = el("canvas", { width: w, height: h, class: "jsr-moodline", "aria-label": "Mood line" });
      const c = canvas.getContext("2d"), span = Math.max(s.left - s.start, 1);
      c.fillStyle = "#f6f7f9"; c.fillRect(0, 0, w, h);
      c.strokeStyle = "#bbb"; c.beginPath(); c.moveTo(0, h / 2); c.lineTo(w, h / 2); c.stroke();
      c.strokeStyle = "#333"; c.lineWidth = 2; c.beginPath();
      steps.forEach((st, i) => {
        const x = Math.min((st[0] - s.start) / span, 1) * (w - 8) + 4, y = h / 2 - st[3] * (h / 2 - 6);
        i ? c.lineTo(x, y) : c.moveTo(x, y);
      });
      c.stroke();
      for (const st of steps) {
        const x = Math.min((st[0] - s.start) / span, 1) * (w - 8) + 4, y = h / 2 - st[3] * (h / 2 - 6);
        c.fillStyle = moodColour(st[3]); c.beginPath(); c.arc(x, y, 3.5, 0, 2 * Math.PI); c.fill();
      }
      return el("figure", { style: "margin:0.4em 0" }, canvas, el("figcaption", { class: "jsr-hint" }, "mood line: delighted at the top, upset at the bottom"));
    }
  }

  const players = [];
  for (const root of document.querySelectorAll(".jsr")) {
    const data = JSON.parse(root.querySelector(".jsr-data").textContent);
    players.push(new Player(root, data));
  }
  window.journeyReplay = players[0] || null;
  window.journeyReplays = players;
})();
