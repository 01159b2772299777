// lab/apps/servlet/EchoServlet.java - the lab's app contract as one servlet, for the Java
// servers (lab/servers/tomcat, lab/servers/jetty).
//
// Idea: one servlet mapped to every path, so the container's own handling of the
// connection and of Upgrade is what is probed, not a framework's. Written against
// jakarta.servlet (Tomcat 10); Jetty 9 implements javax.servlet, so build.sh
// compiles this same file for it with the package renamed (sed), no second copy.
// POST /echo: the request body exactly as the container decoded it (Content-Length,
// chunked, or HTTP/2 DATA), answered with a Content-Length. GET /: "h2c-lab ok".
// GET /version: the file named by the system property h2c.lab.version (the Debian
// package version written at image build time), read once at start.
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

public class EchoServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final byte[] OK = "h2c-lab ok\n".getBytes();
  private byte[] version = new byte[0];

  @Override
  public void init() throws ServletException {
    String file = System.getProperty("h2c.lab.version", "/etc/h2c-lab-version");
    try {
      version = Files.readAllBytes(Paths.get(file));
    } catch (IOException e) {
      throw new ServletException("cannot read the version file " + file, e);
    }
  }

  private static void answer(HttpServletResponse res, int status, String type, byte[] body)
      throws IOException {
    res.setStatus(status);
    res.setContentType(type);
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    for (int n; (n = in.read(chunk)) >= 0; )
      all.write(chunk, 0, n);
    return all.toByteArray();
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String path = req.getRequestURI();
    String method = req.getMethod();
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (method.equals("POST") && path.equals("/echo"))
      answer(res, 200, "application/octet-stream", readAll(req.getInputStream()));
    else if (get && path.equals("/"))
      answer(res, 200, "text/plain", OK);
    else if (get && path.equals("/version"))
      answer(res, 200, "text/plain", version);
    else
      answer(res, 404, "text/plain", "not found\n".getBytes());
  }
}
