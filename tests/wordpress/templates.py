"""The files the test WordPress is made of: Apache's config, wp-config.php, the must-use plugin,
the PHP bootstrap of the helper scripts and the .htaccess of pretty permalinks."""

APACHE_CONF = """\
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/apache.pid"
DefaultRuntimeDir "{root}"
Mutex file:{root} default
ErrorLog "{root}/apache-error.log"
LogFormat "%m %U%q %>s %B" plain
CustomLog "{root}/apache-access.log" plain
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
LoadModule php_module {php_module}
{user}
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 8
TypesConfig /etc/mime.types
DocumentRoot "{site}"
DirectoryIndex index.php index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{site}">
    Options FollowSymLinks
    AllowOverride All
    Require all granted
</Directory>
<FilesMatch "\\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
"""

WP_CONFIG = """\
<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp');
define('DB_HOST', '127.0.0.1:{db_port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{keys}
$table_prefix = 'wp_';
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
define('FS_METHOD', 'direct');
if (!defined('ABSPATH')) {{ define('ABSPATH', __DIR__ . '/'); }}
require_once ABSPATH . 'wp-settings.php';
"""

# Loaded on every request, before pluggable functions: there is no mail transfer agent, and the
# switch file lets a test make matching requests fail (status, Retry-After, a broken body).
MU_PLUGIN = """\
<?php
if (!function_exists('wp_mail')) {{
    function wp_mail(...$args) {{ return true; }}
}}
(function () {{
    $file = '{switch}';
    if (PHP_SAPI === 'cli' || !is_readable($file)) {{
        return;
    }}
    $switch = json_decode((string) file_get_contents($file), true);
    $uri = urldecode($_SERVER['REQUEST_URI'] ?? '');
    if (!is_array($switch) || strpos($uri, $switch['match']) === false) {{
        return;
    }}
    if (isset($switch['count'])) {{
        if ($switch['count'] <= 0) {{
            return;
        }}
        $switch['count'] -= 1;
        file_put_contents($file, json_encode($switch));
    }}
    http_response_code((int) $switch['status']);
    if (isset($switch['retry_after'])) {{
        header('Retry-After: ' . $switch['retry_after']);
    }}
    header('Content-Type: ' . ($switch['type'] ?? 'application/json; charset=UTF-8'));
    echo $switch['body'] ?? '{{"code":"test_failure","message":"switched off by the test"}}';
    exit;
}})();
"""

PHP_BOOT = """\
<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:{port}';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
if (getenv('VP_INSTALLING')) {{ define('WP_INSTALLING', true); }}
define('WP_USE_THEMES', false);
require '{site}/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/post.php';
add_filter('pre_http_request', function () {{ return new WP_Error('offline', 'no HTTP from the test helper'); }});
$args = json_decode(base64_decode(getenv('VP_ARGS')), true);
$result = eval(stream_get_contents(STDIN));
echo "\\n--VP-RESULT--\\n" . json_encode($result);
"""

HTACCESS = """\
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>
"""
