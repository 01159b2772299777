# lab/servers/h2o/app.rb - the lab app contract as an h2o mruby (Rack) handler.
#
# Idea: h2o's built-in mruby is its own scripting hook, so the body echoed is the body
# h2o's HTTP/1.1 (or HTTP/2) parser delivered, via env["rack.input"]. The version text
# is read once when h2o loads the handler.

VERSION_TEXT = File.open("/etc/h2c-lab-version", "r") { |f| f.read }

def lab_reply(status, ctype, body)
  [status, { "content-type" => ctype, "content-length" => body.bytesize.to_s }, [body]]
end

Proc.new do |env|
  path = env["SCRIPT_NAME"].to_s + env["PATH_INFO"].to_s
  method = env["REQUEST_METHOD"]
  if path == "/echo"
    if method == "POST"
      input = env["rack.input"]
      lab_reply(200, "application/octet-stream", input ? input.read.to_s : "")
    else
      lab_reply(405, "text/plain", "method not allowed\n")
    end
  elsif path == "/"
    lab_reply(200, "text/plain", "h2c-lab ok\n")
  elsif path == "/version"
    lab_reply(200, "text/plain", VERSION_TEXT)
  else
    lab_reply(404, "text/plain", "not found\n")
  end
end
