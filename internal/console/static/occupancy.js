// The day's occupancy: how many lessons run at once over the day (from the
// calendar), drawn as SVG against the pool's capacity, with the moments the
// pool runs short marked by a label, not by colour alone.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const HOUR = 3600 * 1000;

  function node(tag, attrs, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // demandOf turns lessons ({start, end} in ms) into steps: from each
  // step's time on, `count` lessons run at once. A lesson ending when another
  // starts does not overlap it.
  function demandOf(lessons, from, to) {
    const edges = [];
    for (const l of lessons) {
      const s = Math.max(l.start, from);
      const e = Math.min(l.end, to);
      if (e > s) edges.push([s, 1], [e, -1]);
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const steps = [{ t: from, count: 0 }];
    let count = 0;
    for (const [t, d] of edges) {
      count += d;
      if (steps[steps.length - 1].t === t) steps[steps.length - 1].count = count;
      else steps.push({ t: t, count: count });
    }
    return steps;
  }

  // summarize finds the peak and the intervals above capacity.
  function summarize(steps, to, capacity) {
    let peak = { count: 0, at: null };
    const over = [];
    steps.forEach((s, i) => {
      const end = i + 1 < steps.length ? steps[i + 1].t : to;
      if (s.count > peak.count) peak = { count: s.count, at: s.t };
      if (s.count > capacity && end > s.t) {
        const last = over[over.length - 1];
        if (last && last.end === s.t) {
          last.end = end;
          last.demand = Math.max(last.demand, s.count);
        } else {
          over.push({ start: s.t, end: end, demand: s.count });
        }
      }
    });
    return { peak: peak, over: over };
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  // render draws the chart into container and returns a sentence about it.
  // opts: lessons [{start, end}] (ms), capacity, inUse (slots in use now),
  // now (ms), dayStart and dayEnd (ms, midnight to midnight), and over: the
  // shortages [{start, end, demand, lessons: [title]}] of the server's
  // capacity forecast, when there is one (else the chart finds them).
  function render(container, opts) {
    const firstHour = new Date(opts.dayStart);
    // Show the school day, widened to every lesson of the day.
    let from = opts.dayStart + 7 * HOUR;
    let to = opts.dayStart + 19 * HOUR;
    for (const l of opts.lessons) {
      from = Math.min(from, Math.max(opts.dayStart, l.start));
      to = Math.max(to, Math.min(opts.dayEnd, l.end));
    }
    if (opts.now >= opts.dayStart && opts.now < opts.dayEnd) {
      from = Math.min(from, opts.now - HOUR);
      to = Math.max(to, opts.now + HOUR);
    }
    from = Math.max(opts.dayStart, Math.floor((from - opts.dayStart) / HOUR) * HOUR + opts.dayStart);
    to = Math.min(opts.dayEnd, Math.ceil((to - opts.dayStart) / HOUR) * HOUR + opts.dayStart);

    const steps = demandOf(opts.lessons, from, to);
    const sum = summarize(steps, to, opts.capacity);
    if (opts.over) sum.over = opts.over.filter((o) => o.end > from && o.start < to);
    const top = Math.max(opts.capacity, sum.peak.count, opts.inUse, 1) + 1;

    const width = Math.max(280, Math.round(container.clientWidth || 640));
    const height = 200;
    const m = { left: 34, right: 12, top: 14, bottom: 28 };
    const x = (t) => m.left + ((t - from) / (to - from)) * (width - m.left - m.right);
    const y = (n) => height - m.bottom - (n / top) * (height - m.top - m.bottom);

    const svg = node('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img',
      'aria-labelledby': 'occupancy-svg-title', class: 'occupancy-svg' });
    svg.appendChild(node('title', { id: 'occupancy-svg-title' }, 'Lessons at once over the day, against a capacity of ' + opts.capacity));

    const grid = node('g', { class: 'grid' });
    for (let n = 0; n <= top; n++) {
      grid.appendChild(node('line', { x1: m.left, x2: width - m.right, y1: y(n), y2: y(n) }));
      grid.appendChild(node('text', { x: m.left - 6, y: y(n) + 4, 'text-anchor': 'end', class: 'tick' }, String(n)));
    }
    const every = width < 480 ? 3 : width < 720 ? 2 : 1;
    for (let t = from; t <= to; t += HOUR) {
      const h = Math.round((t - firstHour.getTime()) / HOUR);
      if (h % every !== 0) continue;
      grid.appendChild(node('line', { x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom, class: 'vertical' }));
      // The first and last labels stay inside the plot.
      const anchor = t === from ? 'start' : t + HOUR > to ? 'end' : 'middle';
      grid.appendChild(node('text', { x: x(t), y: height - m.bottom + 16, 'text-anchor': anchor, class: 'tick' }, clock(t)));
    }
    svg.appendChild(grid);

    // Shortfalls first, under the line: a hatched band above capacity.
    for (const o of sum.over) {
      const x0 = x(Math.max(from, o.start));
      const x1 = x(Math.min(to, o.end));
      svg.appendChild(node('rect', { x: x0, y: y(o.demand), width: Math.max(2, x1 - x0),
        height: y(opts.capacity) - y(o.demand), class: 'over' }));
      svg.appendChild(node('text', { x: (x0 + x1) / 2, y: y(o.demand) - 4, 'text-anchor': 'middle', class: 'over-label' },
        'short by ' + (o.demand - opts.capacity)));
    }

    let d = '';
    steps.forEach((s, i) => {
      const end = i + 1 < steps.length ? steps[i + 1].t : to;
      d += (i === 0 ? 'M' : 'L') + x(s.t).toFixed(1) + ' ' + y(s.count).toFixed(1) + ' L' + x(end).toFixed(1) + ' ' + y(s.count).toFixed(1) + ' ';
    });
    svg.appendChild(node('path', { d: d + 'L' + x(to).toFixed(1) + ' ' + y(0) + ' L' + x(from).toFixed(1) + ' ' + y(0) + ' Z', class: 'demand-area' }));
    svg.appendChild(node('path', { d: d, class: 'demand' }));

    svg.appendChild(node('line', { x1: m.left, x2: width - m.right, y1: y(opts.capacity), y2: y(opts.capacity), class: 'capacity' }));
    svg.appendChild(node('text', { x: width - m.right - 4, y: y(opts.capacity) - 5, 'text-anchor': 'end', class: 'capacity-label' },
      'capacity ' + opts.capacity));

    if (opts.now >= from && opts.now <= to) {
      svg.appendChild(node('line', { x1: x(opts.now), x2: x(opts.now), y1: m.top, y2: height - m.bottom, class: 'now' }));
      svg.appendChild(node('circle', { cx: x(opts.now), cy: y(opts.inUse), r: 4.5, class: 'in-use' }));
      // At the foot of the line, clear of the curve's labels above.
      const right = x(opts.now) < width - 110;
      svg.appendChild(node('text', { x: x(opts.now) + (right ? 6 : -6), y: height - m.bottom - 6, 'text-anchor': right ? 'start' : 'end',
        class: 'now-label' }, 'now: ' + opts.inUse + ' in use'));
    }
    container.replaceChildren(svg);

    let sentence;
    if (sum.peak.count === 0) {
      sentence = 'No lessons in the calendar today. Capacity: ' + opts.capacity + '.';
    } else {
      sentence = 'Most at once: ' + sum.peak.count + (sum.peak.count === 1 ? ' lesson' : ' lessons') + ' at ' + clock(sum.peak.at) +
        ', against a capacity of ' + opts.capacity + '.';
    }
    if (sum.over.length) {
      sentence += ' The pool runs short ' + sum.over.map((o) => clock(o.start) + '–' + clock(o.end) + ' (' + o.demand + ' lessons' +
        (o.lessons && o.lessons.length ? ': ' + o.lessons.join(', ') : '') + ')').join('; ') + '.';
    } else if (sum.peak.count > 0) {
      sentence += ' The pool has room all day.';
    }
    return { sentence: sentence, peak: sum.peak, over: sum.over };
  }

  window.ZoomPoolOccupancy = { render, demandOf, summarize };
})();
