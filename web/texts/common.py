"""Words every page shares: the frame, the language switch, errors."""

TEXTS = {
    "common.site": ("Bộ phận Một cửa", "One-stop office"),
    "common.language": ("English", "Tiếng Việt"),
    "common.skip": ("Bỏ qua đến nội dung chính", "Skip to main content"),
    "common.footer": ("Thông tin chỉ dùng để tra cứu; mọi thắc mắc xin hỏi cán bộ tại Bộ phận Một cửa.",
                      "For information only; please ask the one-stop office staff about anything else."),
    "common.error_title": ("Không thực hiện được", "Could not be done"),
    "common.back": ("Quay lại", "Back"),
    "common.login": ("Đăng nhập", "Log in"),
    "common.logout": ("Đăng xuất", "Log out"),
    "common.username": ("Tên đăng nhập", "Username"),
    "common.data_as_of": ("Số liệu tính đến {moment}", "Data as of {moment}"),
    "common.no_script": ("Trang vẫn dùng được khi tắt JavaScript; bấm nút để cập nhật.",
                         "The page works without JavaScript; press the button to refresh."),
}
