/* A portal as a real one would be built: plain HTML and JavaScript calling the GraphQL API. */
(function () {
  'use strict';
  var REGISTRIES = {
    POPULATION: 'Cơ sở dữ liệu quốc gia về dân cư',
    RESIDENCE: 'Cơ sở dữ liệu về cư trú',
    DOCUMENTS: 'Kho dữ liệu giấy tờ đã cấp',
  };
  var MISSING = {
    NOT_IN_REGISTRY: 'Cơ sở dữ liệu chưa có thông tin này — vui lòng nhập.',
    NOT_PERMITTED: 'Thông tin của người thân không được cung cấp — vui lòng nhập.',
    REGISTRY_UNAVAILABLE: 'Cơ sở dữ liệu tạm thời không phản hồi — vui lòng nhập hoặc thử lại sau.',
  };
  var $ = function (id) { return document.getElementById(id); };
  var state = { token: null, prefill: null };

  function gql(query, variables) {
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + state.token },
      body: JSON.stringify({ query: query, variables: variables }),
    }).then(function (r) { return r.json(); });
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function day(iso) { return iso ? iso.slice(8, 10) + '/' + iso.slice(5, 7) + '/' + iso.slice(0, 4) : ''; }

  function renderField(f) {
    var row = el('div', { class: 'field ' + (f.editable ? 'free' : 'locked'), 'data-key': f.key });
    var id = 'f-' + f.key.replace(/\W/g, '_');
    row.appendChild(el('label', { for: id }, f.label));
    if (f.rows) {
      var table = el('table', { id: id });
      var head = el('tr');
      head.appendChild(el('th', {}, 'Cùng thay đổi'));
      (f.rows[0] ? f.rows[0].cells : []).forEach(function (c) { head.appendChild(el('th', {}, c.label)); });
      table.appendChild(head);
      f.rows.forEach(function (r) {
        var tr = el('tr');
        var td = el('td');
        td.appendChild(el('input', { type: 'checkbox', checked: 'checked', 'aria-label': 'Cùng thay đổi' }));
        tr.appendChild(td);
        r.cells.forEach(function (c) { tr.appendChild(el('td', { 'data-key': c.key }, c.value || '')); });
        table.appendChild(tr);
      });
      row.appendChild(table);
      return row;
    }
    var input = el('input', { type: 'text', id: id, name: f.key });
    input.value = f.value || '';
    if (!f.editable) input.readOnly = true;
    row.appendChild(input);
    if (f.status === 'FILLED' && f.provenance) {
      row.appendChild(el('div', { class: 'source' }, 'Nguồn: ' + REGISTRIES[f.provenance.registry] + ' · cập nhật ' + day(f.provenance.asOf) + (f.provenance.fromCache ? ' (bản lưu tạm)' : '')));
    } else if (MISSING[f.status]) {
      row.appendChild(el('div', { class: 'missing' }, MISSING[f.status]));
    }
    return row;
  }

  function open() {
    var sub = $('persona').value;
    var formId = $('form').value;
    $('status').textContent = 'Đang lấy dữ liệu…';
    fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'citizen', sub: sub }) })
      .then(function (r) { return r.json(); })
      .then(function (t) {
        state.token = t.token;
        return gql('query($f: ID!) { forms { id title legalBasis } prefill(formId: $f) { formId subjectId attestation missing fields { key label value editable status provenance { registry asOf fromCache } rows { cells { key label value } } } } }', { f: formId });
      })
      .then(function (res) {
        if (res.errors) { $('status').textContent = res.errors[0].message; return; }
        var form = res.data.forms.filter(function (x) { return x.id === formId; })[0];
        state.prefill = res.data.prefill;
        $('title').textContent = form.title;
        $('legal').textContent = 'Căn cứ: ' + form.legalBasis;
        var box = $('fields');
        box.textContent = '';
        res.data.prefill.fields.forEach(function (f) { box.appendChild(renderField(f)); });
        $('tamper').checked = false;
        $('result').textContent = '';
        $('result').className = '';
        $('sheet').hidden = false;
        var filled = res.data.prefill.fields.filter(function (f) { return f.status === 'FILLED'; }).length;
        $('status').textContent = 'Đã điền sẵn ' + filled + ' ô từ cơ sở dữ liệu.';
      });
  }

  function submitted() {
    return state.prefill.fields.map(function (f) {
      var row = document.querySelector('.field[data-key="' + f.key + '"]');
      if (f.rows) {
        var rows = [];
        row.querySelectorAll('tr').forEach(function (tr, i) {
          var box = tr.querySelector('input[type=checkbox]');
          if (i === 0 || !box || !box.checked) return;
          rows.push({ cells: Array.prototype.map.call(tr.querySelectorAll('td[data-key]'), function (td) { return { key: td.getAttribute('data-key'), value: td.textContent || null }; }) });
        });
        return { key: f.key, rows: rows };
      }
      var value = row.querySelector('input').value;
      return { key: f.key, value: value === '' ? null : value };
    });
  }

  function submit(event) {
    event.preventDefault();
    gql('query($a: String!, $s: [SubmittedField!]!, $f: ID!, $p: PersonalId!) { verifyPrefill(attestation: $a, submitted: $s, formId: $f, subjectId: $p) { valid reason alteredLockedFields } }', { a: state.prefill.attestation, s: submitted(), f: state.prefill.formId, p: state.prefill.subjectId })
      .then(function (res) {
        var v = res.data && res.data.verifyPrefill;
        var out = $('result');
        if (v && v.valid) {
          out.className = 'ok';
          out.textContent = 'Tờ khai hợp lệ: các thông tin lấy từ cơ sở dữ liệu được giữ nguyên.';
        } else {
          out.className = 'bad';
          var label = function (key) {
            var f = state.prefill.fields.filter(function (x) { return x.key === key; })[0];
            return f ? '“' + f.label + '”' : key;
          };
          out.textContent = 'Tờ khai không hợp lệ: ' + (v && v.alteredLockedFields.length ? 'các ô bị khóa đã bị sửa: ' + v.alteredLockedFields.map(label).join(', ') + '.' : (v ? v.reason : res.errors[0].message));
        }
      });
  }

  $('tamper').addEventListener('change', function () {
    document.querySelectorAll('.field.locked input').forEach(function (i) { i.readOnly = !$('tamper').checked; });
  });
  $('open').addEventListener('click', open);
  $('sheet').addEventListener('submit', submit);

  fetch('/dev/personas').then(function (r) { return r.json(); }).then(function (body) {
    (body.personas || []).filter(function (p) { return p.key !== 'deceased'; }).forEach(function (p) {
      $('persona').appendChild(el('option', { value: p.personalId }, p.fullName + ' — ' + p.title));
    });
  });
  [['CT01', 'CT01 — Thay đổi thông tin cư trú'], ['TK01', 'TK01 — Cấp hộ chiếu phổ thông'], ['LLTP_03', 'Mẫu 03 — Phiếu lý lịch tư pháp'], ['KHAI_SINH', 'Đăng ký khai sinh']].forEach(function (f) {
    $('form').appendChild(el('option', { value: f[0] }, f[1]));
  });
})();
