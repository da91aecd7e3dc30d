"""NGINX in front of two wsfan instances, with the example configuration
packaging/examples/nginx.conf (the http{} part; only its listen address
and server addresses rewritten): the WebSocket upgrade passes through,
clients that NGINX sends to different instances exchange messages both
ways, /healthz answers through it. Skipped, saying so, when nginx is not
installed."""
import os
import re
import unittest

import wsfantest as wt
from test_haproxy import Cluster, example, exchange, find_tool, set_servers

NGINX = find_tool("nginx")


class NginxCluster(Cluster):
    def start_lb(self):
        text = example("nginx.conf")
        text, n = re.subn(r"(?m)^(\s*listen\s+)\S+;", r"\g<1>127.0.0.1:%d;"
                          % self.port, text)
        assert n == 1, "expected one listen line in nginx.conf"
        text = set_servers(text, r"^(\s*server\s+)([\w.:]+)(.*)$",
                           self.addrs())
        site = os.path.join(self.dir, "wsfan.conf")
        with open(site, "w") as f:
            f.write(text)
        # The main configuration a distribution's nginx.conf would be,
        # with everything in the temporary directory.
        main = os.path.join(self.dir, "nginx.conf")
        with open(main, "w") as f:
            f.write("worker_processes 1;\n"
                    "pid %s/nginx.pid;\n"
                    "error_log stderr notice;\n"
                    "events { worker_connections 512; }\n"
                    "http {\n"
                    "    access_log off;\n"
                    "    client_body_temp_path %s/body;\n"
                    "    proxy_temp_path %s/proxy;\n"
                    "    include %s;\n"
                    "}\n" % (self.dir, self.dir, self.dir, site))
        os.chmod(self.dir, 0o755)  # nginx's workers may run as nobody
        self.run_lb([NGINX, "-p", self.dir, "-c", main, "-e", "stderr",
                     "-g", "daemon off;"], self.serves)


@unittest.skipIf(NGINX is None, "nginx is not installed (Debian/Fedora "
                 "package nginx)")
@unittest.skipIf(wt.EXTERNAL, "needs its own daemons")
class Nginx(unittest.TestCase):
    def test_clients_on_two_instances_exchange_messages(self):
        redis = wt.Redis()
        cl = NginxCluster(redis, redis)
        try:
            st, _, body = wt.get(cl.port)
            self.assertEqual(st, 200, body)
            self.assertIn(b'"redis":"up"', body)
            # least_conn: the second client goes to the instance that
            # does not have the first.
            a = cl.client()
            b = cl.client()
            self.assertEqual({cl.instance_of(a), cl.instance_of(b)}, {0, 1})
            exchange(a, b)
            a.close()
            b.close()
            for d in cl.instances:
                self.assertEqual(d.stop(), 0)
        finally:
            cl.cleanup()
            redis.cleanup()


if __name__ == "__main__":
    wt.main()
