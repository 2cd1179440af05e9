#!/usr/bin/env python3
"""Serves capture-firefox.html on 127.0.0.1:PORT and writes the SDP that the
page posts back to OUTFILE, then exits. Usage: capture-firefox.py PORT OUTFILE"""
import http.server, os, sys

PORT, OUT = int(sys.argv[1]), sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(os.path.join(HERE, 'capture-firefox.html'), 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        data = self.rfile.read(int(self.headers['Content-Length']))
        text = data.decode()
        sdp, _, ua = text.partition('\n#UA ')
        open(OUT, 'w', newline='').write(sdp)
        sys.stderr.write('captured from ' + ua + '\n')
        self.send_response(204)
        self.end_headers()
        raise SystemExit(0)

http.server.HTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
