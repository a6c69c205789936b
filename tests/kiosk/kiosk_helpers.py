"""Constants and data helpers for the kiosk tests (imported by name: conftest modules are not)."""
from office.model import Actor, Applicant, Collector, DossierStatus

PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
OFFICER = Actor("Trần Thị Bích", "Chuyên viên", "Bộ phận Một cửa")
BACK_OFFICE = Actor("Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp")
APPLICANT = Applicant("Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                      address="Số 12 đường Lê Lợi, phường Bến Thành")


def dossier_in_processing(svc) -> tuple[str, str]:
    """A received dossier moved on to the back office: (code, secret)."""
    d = svc.receive_dossier("1.001193", "TH5", APPLICANT, OFFICER)
    svc.change_status(d.code, DossierStatus.PROCESSING, BACK_OFFICE, "Chuyển phòng chuyên môn thẩm định")
    return d.code, d.secret


def returned_dossier(svc) -> tuple[str, str]:
    """A dossier whose result has been returned (it can be rated): (code, secret)."""
    d = svc.receive_dossier("2.000908", "GIO", APPLICANT, OFFICER)
    for status in (DossierStatus.PROCESSING, DossierStatus.DONE):
        svc.change_status(d.code, status, BACK_OFFICE, "Xử lý")
    svc.return_result(d.code, Collector(APPLICANT.name, "CCCD", APPLICANT.id_number, "applicant"), OFFICER)
    return d.code, d.secret
