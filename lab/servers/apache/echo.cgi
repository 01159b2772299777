#!/bin/sh
# lab/servers/apache/echo.cgi - POST /echo for Apache: the request body, back unchanged.
# httpd hands a CGI the decoded request body on stdin and closes it at the body's end,
# so `cat` copies exactly the bytes httpd read as this request's body. No Content-Length
# in the answer: httpd frames it (chunked on HTTP/1.1, DATA frames on HTTP/2).
printf 'Content-Type: application/octet-stream\n\n'
exec cat
