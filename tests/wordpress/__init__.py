"""A real WordPress on 127.0.0.1 for the sync tests: Debian's packages, no mocks.

    site = WordPress.start(root)      # MariaDB + Apache/mod_php + a fresh WordPress install
    post = site.create_post("Titel", "<p>tekst</p>", categories=["Zorg"])
    site.stop()

MariaDB runs from a throwaway datadir with its own port; Apache runs from a config file
written here (never `/etc/apache2`), serving a `cp -RL` copy of `/usr/share/wordpress` with
our own `wp-config.php`. Content is created with small PHP scripts that load WordPress
(`wp_insert_post`, `wp_insert_attachment`, `wp_trash_post`, `wp_delete_post`); wp-cli is not
packaged. A must-use plugin makes `wp_mail` a no-op (there is no mail transfer agent) and
can make the site fail on purpose: `site.fail(...)` writes a switch file it reads.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..servers import free_port
from .templates import APACHE_CONF, HTACCESS, MU_PLUGIN, PHP_BOOT, WP_CONFIG

WORDPRESS_DIR = Path("/usr/share/wordpress")
THEME_DIR = WORDPRESS_DIR / "wp-content/themes/twentytwentythree"
PROGRAMS = ("mariadbd", "mariadb-install-db", "apache2", "php")


def php_module() -> str:
    found = sorted(Path("/usr/lib/apache2/modules").glob("libphp*.so"))
    return str(found[-1]) if found else ""


def missing_packages() -> list[str]:
    """What is lacking to run a WordPress here (empty when everything is installed)."""
    missing = [p for p in PROGRAMS if not (shutil.which(p) or Path("/usr/sbin", p).exists())]
    if not (WORDPRESS_DIR / "wp-settings.php").is_file():
        missing.append("wordpress")
    if not THEME_DIR.is_dir():
        missing.append("wordpress-theme-twentytwentythree")
    if not php_module():
        missing.append("libapache2-mod-php")
    if subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.find("mysqli") < 0:
        missing.append("php-mysql")
    return missing


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port}:\n{_tail(log)}")


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


class WordPress:
    """One running WordPress site; every method acts on it as an editor would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        self.db_port = free_port()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.switch_file = root / "switch" / "switch.json"
        self._db: subprocess.Popen[bytes] | None = None
        self._apache: subprocess.Popen[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, parent: Path | None = None) -> WordPress:
        # Apache serves as www-data, which cannot enter pytest's 0700 temp dirs.
        root = Path(tempfile.mkdtemp(prefix="vindplaats-wp-", dir=parent))
        root.chmod(0o755)
        site = cls(root)
        try:
            site._start_database()
            site._install_files()
            site.start_apache()
            site._install_wordpress()
        except BaseException:
            site.stop()
            raise
        return site

    def _start_database(self) -> None:
        data = self.root / "mysql"
        log = self.root / "mariadb.log"
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                *user,
            ],
            check=True,
            capture_output=True,
        )
        # mariadbd creates users only from an init file, not during mariadb-install-db.
        init = self.root / "init.sql"
        init.write_text(
            "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4;\n"
            "CREATE USER IF NOT EXISTS 'wp'@'127.0.0.1' IDENTIFIED BY 'wp';\n"
            "GRANT ALL ON wordpress.* TO 'wp'@'127.0.0.1';\n"
        )
        with log.open("wb") as out:
            self._db = subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--socket={self.root / 'mysql.sock'}",
                    f"--port={self.db_port}",
                    "--bind-address=127.0.0.1",
                    f"--init-file={init}",
                    f"--pid-file={self.root / 'mariadb.pid'}",
                    "--skip-name-resolve",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=32M",
                    "--innodb-log-file-size=16M",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--performance-schema=OFF",
                    *user,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(self.db_port, self._db, "mariadbd", log)

    def _install_files(self) -> None:
        # Debian's tree holds relative symlinks and a wp-config.php that reads /etc/wordpress.
        subprocess.run(["cp", "-RL", str(WORDPRESS_DIR), str(self.site)], check=True)
        (self.site / ".htaccess").unlink(missing_ok=True)
        keys = "\n".join(
            f"define('{name}', '{secrets.token_hex(24)}');"
            for name in "AUTH SECURE_AUTH LOGGED_IN NONCE".split()
            for name in (f"{name}_KEY", f"{name}_SALT")
        )
        (self.site / "wp-config.php").write_text(
            WP_CONFIG.format(db_port=self.db_port, url=self.url, keys=keys)
        )
        self.switch_file.parent.mkdir()
        self.switch_file.parent.chmod(0o777)  # the plugin, as www-data, counts down in it
        mu = self.site / "wp-content" / "mu-plugins"
        mu.mkdir(parents=True)
        (mu / "vindplaats-test.php").write_text(MU_PLUGIN.format(switch=self.switch_file))
        (self.site / "wp-content" / "uploads").mkdir(exist_ok=True)
        (self.root / "boot.php").write_text(PHP_BOOT.format(port=self.port, site=self.site))
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        (self.root / "apache.conf").write_text(
            APACHE_CONF.format(
                root=self.root, port=self.port, site=self.site, php_module=php_module(), user=user
            )
        )

    def _install_wordpress(self) -> None:
        self.php(
            "wp_install('Testsite Vindplaats', 'beheerder', 'beheer@example.org', true, '', 'wachtwoord-123');"
            "update_option('timezone_string', 'Europe/Amsterdam');"
            "update_option('permalink_structure', '');"
            "wp_delete_post(1, true); wp_delete_post(2, true); wp_delete_post(3, true);"
            "return true;",
            installing=True,
        )

    def start_apache(self) -> None:
        log = self.root / "apache-error.log"
        self._apache = subprocess.Popen(
            ["apache2", "-f", str(self.root / "apache.conf"), "-DFOREGROUND"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for_port(self.port, self._apache, "apache2", log)

    def stop_apache(self) -> None:
        proc, self._apache = self._apache, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: parent and children
            proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def stop(self) -> None:
        self.stop_apache()
        db, self._db = self._db, None
        if db is not None and db.poll() is None:
            db.terminate()
            try:
                db.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(db.pid, signal.SIGKILL)
                db.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- PHP -------------------------------------------------------------------------------

    def php(self, code: str, args: Any = None, installing: bool = False) -> Any:
        """Run PHP `code` (which `return`s a JSON-able value) with WordPress loaded; `$args` holds `args`."""
        env = {**os.environ, "VP_ARGS": base64.b64encode(json.dumps(args).encode()).decode()}
        if installing:
            env["VP_INSTALLING"] = "1"
        done = subprocess.run(
            ["php", str(self.root / "boot.php")],
            input=code.encode(),
            capture_output=True,
            env=env,
            timeout=60,
        )
        out = done.stdout.decode(errors="replace")
        if done.returncode != 0 or "--VP-RESULT--" not in out:
            raise RuntimeError(
                f"PHP failed ({done.returncode}):\n{out[-3000:]}\n{done.stderr.decode()[-3000:]}"
            )
        return json.loads(out.rsplit("--VP-RESULT--\n", 1)[1])

    # -- content ---------------------------------------------------------------------------

    def create_post(
        self,
        title: str,
        content: str,
        *,
        post_type: str = "post",
        status: str = "publish",
        categories: list[str] | None = None,
        tags: list[str] | None = None,
        password: str = "",
        date: str | None = None,
        excerpt: str = "",
    ) -> int:
        """A post (or page) as an editor would save it; returns its id."""
        fields: dict[str, Any] = {
            "post_title": title,
            "post_content": content,
            "post_type": post_type,
            "post_status": status,
            "post_password": password,
            "post_excerpt": excerpt,
            "post_author": 1,
        }
        if date:
            fields["post_date"] = date
        code = """
            $cats = array();
            foreach ($args['categories'] as $name) {
                $term = term_exists($name, 'category') ?: wp_insert_term($name, 'category');
                $cats[] = (int) $term['term_id'];
            }
            $post = $args['fields'];
            if ($cats) { $post['post_category'] = $cats; }
            if ($args['tags']) { $post['tags_input'] = $args['tags']; }
            $id = wp_insert_post(wp_slash($post), true);
            if (is_wp_error($id)) { throw new Exception($id->get_error_message()); }
            return $id;
        """
        return int(self.php(code, {"fields": fields, "categories": categories or [], "tags": tags or []}))

    def update_post(self, post_id: int, **fields: Any) -> None:
        """Change fields of a post (`post_content`, `post_status`, ...), bumping its modified date."""
        code = """
            $id = wp_update_post(wp_slash(array_merge(array('ID' => $args['id']), $args['fields'])), true);
            if (is_wp_error($id)) { throw new Exception($id->get_error_message()); }
            return $id;
        """
        self.php(code, {"id": post_id, "fields": fields})

    def set_modified(self, post_ids: int | list[int], local_time: str) -> None:
        """Backdate posts' last-modified time ("2024-03-12 10:00:00", site time), as if they had
        been edited long ago."""
        code = """
            global $wpdb;
            foreach ($args['ids'] as $id) {
                $wpdb->update($wpdb->posts, array(
                    'post_modified' => $args['time'],
                    'post_modified_gmt' => get_gmt_from_date($args['time']),
                ), array('ID' => $id));
                clean_post_cache($id);
            }
            return true;
        """
        ids = [post_ids] if isinstance(post_ids, int) else post_ids
        self.php(code, {"ids": ids, "time": local_time})

    def publish_scheduled(self, post_id: int) -> None:
        """What WP-Cron does when a scheduled post's time comes: its modified date stays as it was."""
        self.php("wp_publish_post($args); return get_post_status($args);", post_id)

    def trash(self, post_id: int) -> None:
        self.php("return (bool) wp_trash_post($args);", post_id)

    def delete(self, post_id: int) -> None:
        self.php("return (bool) wp_delete_post($args, true);", post_id)

    def add_pdf(self, data: bytes, filename: str, title: str, parent: int = 0) -> tuple[int, str]:
        """A PDF in the media library (as an upload would store it); returns (id, file URL)."""
        code = """
            $upload = wp_upload_bits($args['name'], null, base64_decode($args['data']));
            if ($upload['error']) { throw new Exception($upload['error']); }
            $id = wp_insert_attachment(array(
                'post_mime_type' => 'application/pdf',
                'post_title' => $args['title'],
                'post_content' => '',
                'post_status' => 'inherit',
                'guid' => $upload['url'],
            ), $upload['file'], $args['parent'], true);
            if (is_wp_error($id)) { throw new Exception($id->get_error_message()); }
            return array($id, wp_get_attachment_url($id));
        """
        args = {"name": filename, "data": base64.b64encode(data).decode(), "title": title, "parent": parent}
        post_id, url = self.php(code, args)
        self._readable()
        return int(post_id), str(url)

    def replace_pdf(self, attachment_id: int, data: bytes) -> None:
        """Overwrite an attachment's file in place (a "replace media" plugin does this)."""
        path = Path(self.php("return get_attached_file($args);", attachment_id))
        path.write_bytes(data)
        self.update_post(attachment_id, post_title=f"vervangen {time.time()}")

    def put_file(self, relative: str, data: bytes) -> str:
        """A file on the web server outside the media library (uploaded by FTP); returns its URL."""
        path = self.site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self._readable()
        return f"{self.url}/{relative}"

    def _readable(self) -> None:
        for path in (self.site / "wp-content" / "uploads").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)

    def set_permalinks(self, pretty: bool) -> None:
        structure = "/%year%/%monthnum%/%postname%/" if pretty else ""
        self.php(
            "update_option('permalink_structure', $args); flush_rewrite_rules(false); return true;", structure
        )
        htaccess = self.site / ".htaccess"
        if pretty:
            htaccess.write_text(HTACCESS)
        else:
            htaccess.unlink(missing_ok=True)

    # -- failures --------------------------------------------------------------------------

    def fail(
        self,
        match: str,
        status: int,
        *,
        count: int | None = None,
        retry_after: int | None = None,
        body: str | None = None,
    ) -> None:
        """Answer requests whose URL contains `match` with `status` (the next `count` only)."""
        switch: dict[str, Any] = {"match": match, "status": status}
        if count is not None:
            switch["count"] = count
        if retry_after is not None:
            switch["retry_after"] = retry_after
        if body is not None:
            switch["body"] = body
        self.switch_file.write_text(json.dumps(switch))
        self.switch_file.chmod(0o666)

    def heal(self) -> None:
        self.switch_file.unlink(missing_ok=True)

    # -- observation -----------------------------------------------------------------------

    def access_log(self) -> list[tuple[str, str, int, int]]:
        """(method, path with query, status, body bytes) of every request Apache answered."""
        log = self.root / "apache-access.log"
        entries = []
        for line in log.read_text().splitlines() if log.exists() else []:
            method, path, status, size = line.rsplit(" ", 3)
            entries.append((method, path, int(status), 0 if size == "-" else int(size)))
        return entries

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()
