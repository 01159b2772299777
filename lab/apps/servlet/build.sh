#!/bin/sh
# lab/apps/servlet/build.sh - builds the lab's servlet webapp at image build time, for
# the Java servers (lab/servers/tomcat, lab/servers/jetty): EchoServlet.java compiled
# into DEST/WEB-INF/classes, web.xml into DEST/WEB-INF.
#
# Idea: no JDK in the image. Debian's servlet containers depend on the Eclipse JDT
# core (libeclipse-jdt-core-java, their JSP compiler), which holds a complete batch
# Java compiler; it compiles the one file against the container's servlet API jar.
# API jakarta (Servlet 5+, Tomcat 10) uses the files as they are; javax (Servlet 3.1,
# Jetty 9) renames the package and the web.xml namespace first.
# usage: build.sh jakarta|javax SERVLET_API_JAR DEST
set -eu
api=$1 jar=$2 dest=$3
here=$(dirname "$0")
src=$(mktemp -d)
case $api in
  jakarta) cp "$here/EchoServlet.java" "$here/web.xml" "$src/" ;;
  javax)
    sed 's/jakarta\.servlet/javax.servlet/g' "$here/EchoServlet.java" >"$src/EchoServlet.java"
    sed 's#https://jakarta.ee/xml/ns/jakartaee" version="5.0"#http://xmlns.jcp.org/xml/ns/javaee" version="3.1"#' \
      "$here/web.xml" >"$src/web.xml"
    grep -q 'javaee" version="3.1"' "$src/web.xml" || { echo "build.sh: web.xml namespace not renamed" >&2; exit 1; } ;;
  *) echo "usage: build.sh jakarta|javax SERVLET_API_JAR DEST" >&2; exit 2 ;;
esac
mkdir -p "$dest/WEB-INF/classes"
# -proc:none: no annotation processing (the batch compiler's APT manager is not in
# the jar); Java 8 bytecode runs on any JRE these images have.
java -cp /usr/share/java/eclipse-jdt-core.jar org.eclipse.jdt.internal.compiler.batch.Main \
  -8 -proc:none -nowarn -cp "$jar" -d "$dest/WEB-INF/classes" "$src/EchoServlet.java"
cp "$src/web.xml" "$dest/WEB-INF/web.xml"
rm -rf "$src"
