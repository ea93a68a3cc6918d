/* A portal as a real one would be built: plain HTML and JavaScript calling the GraphQL API. */
(function () {
  'use strict';
  var REGISTRIES = {
    POPULATION: 'Cơ sở dữ liệu quốc gia về dân cư',
    RESIDENCE: 'Cơ sở dữ liệu về cư trú',
    DOCUMENTS: 'Kho dữ liệu giấy tờ đã cấp',
  };
  /* Why a field is left for the citizen, by status; the gateway's note, when it gives one, says more. */
  var MISSING = {
    NOT_IN_REGISTRY: 'Cơ sở dữ liệu chưa có thông tin này — vui lòng nhập.',
    NOT_PERMITTED: 'Thông tin của người thân không được cung cấp — vui lòng nhập.',
    REGISTRY_UNAVAILABLE: 'Cơ sở dữ liệu tạm thời không phản hồi — vui lòng nhập hoặc thử lại sau.',
    DECEASED: 'Người thân đã mất: không ghi như người còn sống — để trống hoặc ghi theo hướng dẫn của tờ khai.',
    NOT_CURRENT: 'Giấy tờ trong cơ sở dữ liệu không còn giá trị — vui lòng nhập giấy tờ đang sử dụng.',
  };
  var FORMS = [
    ['CT01', 'CT01 — Thay đổi thông tin cư trú'],
    ['TK01', 'TK01 — Cấp hộ chiếu phổ thông (từ 14 tuổi)'],
    ['TK01A', 'TK01a — Cấp hộ chiếu cho con dưới 14 tuổi'],
    ['LLTP_03', 'Mẫu 03 — Phiếu lý lịch tư pháp'],
    ['KHAI_SINH', 'Đăng ký khai sinh'],
  ];
  var $ = function (id) { return document.getElementById(id); };
  var state = { token: null, personalId: null, prefill: null, definition: null };

  function gql(query, variables, headers) {
    return fetch('/graphql', {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json', authorization: 'Bearer ' + state.token }, headers || {}),
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
  function idOf(key) { return 'f-' + key.replace(/\W/g, '_'); }

  /* Dates in words, as civil-status forms ask for them: "ngày năm tháng ba năm hai nghìn không trăm hai mươi sáu". */
  var DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];
  var MONTHS = ['một', 'hai', 'ba', 'tư', 'năm', 'sáu', 'bảy', 'tám', 'chín', 'mười', 'mười một', 'mười hai'];
  function twoDigits(n) {
    if (n < 10) return DIGITS[n];
    var tens = Math.floor(n / 10);
    var unit = n % 10;
    var head = tens === 1 ? 'mười' : DIGITS[tens] + ' mươi';
    if (unit === 0) return head;
    var last = unit === 5 ? 'lăm' : tens > 1 && unit === 1 ? 'mốt' : tens > 1 && unit === 4 ? 'tư' : DIGITS[unit];
    return head + ' ' + last;
  }
  function yearInWords(n) {
    var out = DIGITS[Math.floor(n / 1000)] + ' nghìn';
    var hundreds = Math.floor(n / 100) % 10;
    var rest = n % 100;
    if (hundreds === 0 && rest === 0) return out;
    out += ' ' + DIGITS[hundreds] + ' trăm';
    if (rest === 0) return out;
    return out + (rest < 10 ? ' linh ' + DIGITS[rest] : ' ' + twoDigits(rest));
  }
  function dateInWords(text) {
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
    if (!m) return '';
    var d = Number(m[1]);
    var mo = Number(m[2]);
    var y = Number(m[3]);
    if (d < 1 || d > 31 || mo < 1 || mo > 12 || y < 1000) return '';
    return 'Ngày ' + twoDigits(d) + ' tháng ' + MONTHS[mo - 1] + ' năm ' + yearInWords(y);
  }

  function definitionOf(key) {
    return (state.definition ? state.definition.fields : []).filter(function (f) { return f.key === key; })[0] || {};
  }

  function labelOf(columns, key) {
    var column = columns.filter(function (c) { return c.key === key; })[0];
    return column ? column.label : key;
  }

  function cellNode(c, label) {
    var td = el('td', { 'data-key': c.key });
    if (c.editable) {
      var input = el('input', { type: 'text', 'aria-label': label });
      input.value = c.value || '';
      td.appendChild(input);
    } else {
      td.textContent = c.value || '';
    }
    return td;
  }

  function renderTable(f, row) {
    var def = definitionOf(f.key);
    /* Household members are chosen; the residence history keeps the registry's rows and takes more. */
    var chosen = def.party === 'HOUSEHOLD_MEMBERS';
    var columns = def.columns || [];
    var table = el('table', { id: idOf(f.key) });
    var head = el('tr');
    if (chosen) head.appendChild(el('th', {}, 'Cùng thay đổi'));
    columns.forEach(function (c) { head.appendChild(el('th', {}, c.label)); });
    table.appendChild(head);
    f.rows.forEach(function (r) {
      var tr = el('tr', { class: 'registry' });
      if (chosen) {
        var td = el('td');
        var box = el('input', { type: 'checkbox', 'aria-label': 'Cùng thay đổi' });
        box.checked = r.included;
        td.appendChild(box);
        tr.appendChild(td);
      }
      r.cells.forEach(function (c) { tr.appendChild(cellNode(c, labelOf(columns, c.key))); });
      table.appendChild(tr);
    });
    row.appendChild(table);
    if (!chosen) {
      var add = el('button', { type: 'button', class: 'add', id: idOf(f.key) + '-add' }, 'Thêm nơi cư trú khác');
      add.addEventListener('click', function () {
        var tr = el('tr', { class: 'typed' });
        columns.forEach(function (c) { tr.appendChild(cellNode({ key: c.key, value: '', editable: true }, c.label)); });
        table.appendChild(tr);
      });
      row.appendChild(add);
    } else if (f.rows.length === 0) {
      row.appendChild(el('div', { class: 'missing' }, 'Hộ gia đình không có thành viên nào khác.'));
    }
  }

  function renderField(f) {
    var row = el('div', { class: 'field ' + (f.editable ? 'free' : 'locked'), 'data-key': f.key, 'data-status': f.status });
    var id = idOf(f.key);
    row.appendChild(el('label', { for: id }, f.label));
    if (f.rows) {
      renderTable(f, row);
      return row;
    }
    var choices = f.options || definitionOf(f.key).choices;
    var input;
    if (choices) {
      input = el('select', { id: id, name: f.key });
      if (!f.options) input.appendChild(el('option', { value: '' }, '—'));
      choices.forEach(function (o) { input.appendChild(el('option', { value: o }, o)); });
      input.value = f.value || '';
    } else {
      input = el('input', { type: 'text', id: id, name: f.key });
      input.value = f.value || '';
      if (!f.editable) input.readOnly = true;
    }
    row.appendChild(input);
    if (f.status === 'FILLED' && f.provenance) {
      row.appendChild(el('div', { class: 'source' }, 'Nguồn: ' + REGISTRIES[f.provenance.registry] + ' · cập nhật ' + day(f.provenance.asOf) + (f.provenance.fromCache ? ' (bản lưu tạm)' : '')));
      if (f.options) row.appendChild(el('div', { class: 'source' }, 'Chọn nơi thường trú hoặc nơi tạm trú nơi đang sinh sống.'));
    } else if (MISSING[f.status]) {
      row.appendChild(el('div', { class: 'missing' }, MISSING[f.status]));
    }
    if (f.note) row.appendChild(el('div', { class: 'note' }, f.note));
    return row;
  }

  function signIn(personalId) {
    return fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'citizen', sub: personalId }) })
      .then(function (r) { return r.json(); })
      .then(function (t) { state.token = t.token; state.personalId = personalId; });
  }

  /* The citizen, and their children under 14 they may act for (GUARDIAN); an answer for a persona no longer picked is dropped. */
  function loadSubjects() {
    var persona = $('persona').value;
    return signIn(persona)
      .then(function () { return gql('{ me { person { children { id person { fullName dateOfBirth } } } } }'); })
      .then(function (res) {
        if ($('persona').value !== persona) return;
        var box = $('subject');
        box.textContent = '';
        box.appendChild(el('option', { value: '' }, 'Bản thân'));
        var person = res.data && res.data.me && res.data.me.person;
        var limit = new Date();
        limit.setFullYear(limit.getFullYear() - 14);
        ((person && person.children) || []).forEach(function (c) {
          if (c.person && new Date(c.person.dateOfBirth) > limit) box.appendChild(el('option', { value: c.id }, 'Con: ' + c.person.fullName));
        });
      });
  }

  function open() {
    var formId = $('form').value;
    var subject = $('subject').value || null;
    $('status').textContent = 'Đang lấy dữ liệu…';
    $('sheet').hidden = true;
    signIn($('persona').value)
      .then(function () {
        /* Two requests: the definitions and the prefill together would pass the gateway's cost limit. */
        return gql('{ forms { id code title legalBasis fields { key party choices columns { key label editable } } } }');
      })
      .then(function (defs) {
        if (defs.errors) return defs;
        state.definition = defs.data.forms.filter(function (x) { return x.id === formId; })[0];
        return gql(
          'query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) { formId subjectId attestation missing fields { key label value editable status note options provenance { registry asOf fromCache } rows { included cells { key value editable status } } } } }',
          { f: formId, s: subject },
          subject ? { 'x-purpose': 'GUARDIAN' } : {},
        );
      })
      .then(function (res) {
        if (res.errors) { $('status').textContent = res.errors[0].message; return; }
        var form = state.definition;
        state.prefill = res.data.prefill;
        $('title').textContent = form.title + ' (' + form.code + ')';
        $('legal').textContent = 'Căn cứ: ' + form.legalBasis;
        var box = $('fields');
        box.textContent = '';
        res.data.prefill.fields.forEach(function (f) { box.appendChild(renderField(f)); });
        var date = $('f-tre_ngaySinh');
        if (date && $('f-tre_ngaySinhBangChu')) {
          date.placeholder = 'dd/mm/yyyy';
          date.addEventListener('input', function () { $('f-tre_ngaySinhBangChu').value = dateInWords(date.value); });
        }
        $('tamper').checked = false;
        $('result').textContent = '';
        $('result').className = '';
        $('sheet').hidden = false;
        var fields = res.data.prefill.fields;
        var filled = fields.filter(function (f) { return f.status === 'FILLED'; }).length;
        var typed = fields.filter(function (f) { return f.status !== 'FILLED' && f.status !== 'TO_BE_TYPED'; }).length;
        $('status').textContent = 'Đã điền sẵn ' + filled + ' ô từ cơ sở dữ liệu; ' + typed + ' ô cần công dân tự nhập.';
      });
  }

  function cellsOf(tr) {
    return Array.prototype.map.call(tr.querySelectorAll('td[data-key]'), function (td) {
      var input = td.querySelector('input');
      var value = input ? input.value : td.textContent;
      return { key: td.getAttribute('data-key'), value: value === '' ? null : value };
    });
  }

  function submitted() {
    return state.prefill.fields.map(function (f) {
      var row = document.querySelector('.field[data-key="' + f.key + '"]');
      if (f.rows) {
        var rows = [];
        row.querySelectorAll('tr.registry, tr.typed').forEach(function (tr) {
          var box = tr.querySelector('input[type=checkbox]');
          if (box && !box.checked) return;
          var cells = cellsOf(tr);
          if (tr.className === 'typed' && cells.every(function (c) { return c.value === null; })) return;
          rows.push({ cells: cells });
        });
        return { key: f.key, rows: rows };
      }
      var value = row.querySelector('input, select').value;
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
    document.querySelectorAll('.field.locked input[type=text]').forEach(function (i) { i.readOnly = !$('tamper').checked; });
  });
  $('open').addEventListener('click', open);
  $('persona').addEventListener('change', loadSubjects);
  $('sheet').addEventListener('submit', submit);

  fetch('/dev/personas').then(function (r) { return r.json(); }).then(function (body) {
    (body.personas || []).filter(function (p) { return p.key !== 'deceased'; }).forEach(function (p) {
      $('persona').appendChild(el('option', { value: p.personalId }, p.fullName + ' — ' + p.title));
    });
    return loadSubjects();
  });
  FORMS.forEach(function (f) { $('form').appendChild(el('option', { value: f[0] }, f[1])); });
})();
