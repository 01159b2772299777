// lab/servers/nginx/echo.js - POST /echo for nginx, in njs.
//
// Idea: js_content has nginx read the whole request body (Content-Length or chunked,
// decoded by nginx's own HTTP/1.1 parser) before calling echo(); r.requestBuffer is
// those bytes as a Buffer (binary safe). It is undefined when there was no body, or if
// nginx had spilled it to a temp file (prevented in nginx.conf).

function echo(r) {
    if (r.method !== 'POST') {
        r.return(405, 'method not allowed\n');
        return;
    }
    var body = r.requestBuffer;
    r.headersOut['Content-Type'] = 'application/octet-stream';
    if (body === undefined || body.length === 0) {
        // njs 0.7 cannot r.return() an empty string ("failed to convert text").
        r.status = 200;
        r.headersOut['Content-Length'] = '0';
        r.sendHeader();
        r.finish();
        return;
    }
    r.return(200, body);
}

export default { echo };
