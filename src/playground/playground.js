/* The development playground: GraphiQL plus a toolbar that mints a token for a sample citizen. */
(function () {
  'use strict';
  var h = React.createElement;
  var useState = React.useState;
  var useEffect = React.useEffect;

  var DEFAULT_QUERY = [
    '# 1. Pick a sample citizen (Công dân mẫu) above and press "Lấy token công dân",',
    '#    or put {"Authorization": "Bearer <token>"} in the Headers tab below.',
    '#    The schema (Docs, completion) loads without a token.',
    '# 2. Run the query. Each record says which registry it came from.',
    'query MyHousehold {',
    '  me {',
    '    id',
    '    person {',
    '      fullName',
    '      dateOfBirth',
    '      gender',
    '      provenance { registry asOf fromCache }',
    '    }',
    '    household {',
    '      address { full }',
    '      members {',
    '        relationshipToHead',
    '        citizen { id person { fullName dateOfBirth } }',
    '      }',
    '    }',
    '    documents(types: [IDENTITY_CARD, PASSPORT]) { type number issuedOn validUntil status }',
    '  }',
    '}',
    '',
  ].join('\n');

  // No header until there is a token: a placeholder would be sent, refused, and keep the schema from loading
  // (and a header value outside ISO-8859-1 cannot be sent at all).
  var PLACEHOLDER_HEADERS = '{}';
  var BREAKER_LABELS = { closed: 'hoạt động', half_open: 'đang thử lại', open: 'ngắt mạch' };

  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });

  function Registries() {
    var state = useState([]);
    useEffect(function () {
      fetch('/dev/registries').then(function (r) { return r.json(); }).then(function (registries) {
        state[1](registries.map(function (reg) {
          return { title: reg.title, breaker: reg.breaker || 'closed' };
        }));
      }, function () { state[1]([]); });
    }, []);
    return h('span', { className: 'pg-registries' }, state[0].map(function (reg) {
      return h('span', { key: reg.title, className: 'pg-registry ' + reg.breaker, title: reg.breaker },
        reg.title + ' (' + BREAKER_LABELS[reg.breaker] + ')');
    }));
  }

  function App() {
    var personas = useState([]);
    var selected = useState('');
    var headers = useState(PLACEHOLDER_HEADERS);
    var generation = useState(0);
    var status = useState('');

    useEffect(function () {
      fetch('/dev/personas').then(function (r) { return r.json(); }).then(function (body) {
        var list = body.personas || [];
        personas[1](list);
        if (list.length) selected[1](list[0].personalId);
      }, function () { status[1]('Không tải được danh sách công dân mẫu'); });
    }, []);

    function getToken() {
      if (!selected[0]) return;
      fetch('/dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'citizen', sub: selected[0] }),
      }).then(function (r) { return r.json(); }).then(function (body) {
        if (!body.token) { status[1]((body.error && body.error.message) || 'Không lấy được token'); return; }
        headers[1](JSON.stringify({ Authorization: 'Bearer ' + body.token }, null, 2));
        generation[1](generation[0] + 1);
        status[1]('Đã gắn token công dân vào tab Headers');
      }, function () { status[1]('Không lấy được token'); });
    }

    return h('div', { className: 'pg-root' },
      h('header', { className: 'pg-bar' },
        h('strong', null, 'Cổng chia sẻ dữ liệu dân cư'),
        h('label', null, 'Công dân mẫu ',
          h('select', { value: selected[0], onChange: function (e) { selected[1](e.target.value); }, 'aria-label': 'Công dân mẫu' },
            personas[0].map(function (p) {
              return h('option', { key: p.key, value: p.personalId, title: p.description }, p.fullName + ' — ' + p.title);
            }))),
        h('button', { type: 'button', onClick: getToken, id: 'pg-get-token' }, 'Lấy token công dân'),
        h('span', { className: 'pg-status', role: 'status' }, status[0]),
        h(Registries)),
      h('div', { className: 'pg-graphiql' },
        // A new key remounts GraphiQL with the new headers; the query is kept in its storage.
        h(GraphiQL, {
          key: generation[0],
          fetcher: fetcher,
          defaultQuery: DEFAULT_QUERY,
          headers: headers[0],
          onEditHeaders: headers[1],
          defaultEditorToolsVisibility: 'headers',
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: false,
        })));
  }

  ReactDOM.createRoot(document.getElementById('root')).render(h(App));
})();
