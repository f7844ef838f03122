//! Discovery against fake sysfs trees in a temporary directory.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use board_pcie::{PcieError, PcieUri, check_link, discover, list};

/// A fake /sys with one ivshmem device at 0000:00:03.0 (BAR2 of 16 MiB).
fn fake_sysfs(iommu: bool) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dev = root.path().join("bus/pci/devices/0000:00:03.0");
    std::fs::create_dir_all(&dev).unwrap();
    std::fs::write(dev.join("vendor"), "0x1af4\n").unwrap();
    std::fs::write(dev.join("device"), "0x1110\n").unwrap();
    let resource = "0x00000000fea00000 0x00000000fea000ff 0x0000000000040200\n\
                    0x0000000000000000 0x0000000000000000 0x0000000000000000\n\
                    0x00000000fd000000 0x00000000fdffffff 0x000000000014220c\n";
    std::fs::write(dev.join("resource"), resource).unwrap();
    std::fs::write(dev.join("resource2"), vec![0u8; 0]).unwrap();
    let other = root.path().join("bus/pci/devices/0000:00:01.0");
    std::fs::create_dir_all(&other).unwrap();
    if iommu {
        let groups = root.path().join("kernel/iommu_groups/7");
        std::fs::create_dir_all(&groups).unwrap();
        std::os::unix::fs::symlink(&groups, dev.join("iommu_group")).unwrap();
        let drv = root.path().join("bus/pci/drivers/vfio-pci");
        std::fs::create_dir_all(&drv).unwrap();
        std::os::unix::fs::symlink(&drv, dev.join("driver")).unwrap();
    }
    root
}

#[test]
fn finds_the_device_by_address_and_ids() {
    let sys = fake_sysfs(true);
    let uri = PcieUri::parse("pcie:0000:00:03.0@1af4:1110").unwrap();
    let d = discover(sys.path(), &uri).unwrap();
    assert_eq!((d.vendor, d.device), (0x1af4, 0x1110));
    assert_eq!(d.bars.len(), 2);
    assert_eq!((d.bars[1].index, d.bars[1].size), (2, 16 << 20));
    assert_eq!(d.require_vfio(), Ok(7));
    assert_eq!(d.driver.as_deref(), Some("vfio-pci"));
    assert!(d.resource_file(2).ends_with("0000:00:03.0/resource2"));
    assert_eq!(list(sys.path()).len(), 2);
}

#[test]
fn a_missing_device_lists_what_is_there_and_how_to_rescan() {
    let sys = fake_sysfs(true);
    let e = discover(sys.path(), &PcieUri::parse("pcie:0000:01:00.0").unwrap()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("no PCI device at 0000:01:00.0"), "{m}");
    assert!(m.contains("0000:00:01.0, 0000:00:03.0"), "{m}");
    assert!(m.contains("/sys/bus/pci/rescan"), "{m}");
    let empty = tempfile::tempdir().unwrap();
    assert!(
        discover(empty.path(), &PcieUri::parse("pcie:0000:01:00.0").unwrap())
            .unwrap_err()
            .to_string()
            .contains("present: none")
    );
}

#[test]
fn wrong_ids_name_expected_and_actual() {
    let sys = fake_sysfs(true);
    let e = discover(
        sys.path(),
        &PcieUri::parse("pcie:0000:00:03.0@10ee:9038").unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the device at 0000:00:03.0 is 1af4:1110, expected 10ee:9038; check the address (`lspci -D -nn`)"
    );
}

#[test]
fn no_iommu_group_means_no_vfio_and_says_how_to_enable_it() {
    let sys = fake_sysfs(false);
    let d = discover(sys.path(), &PcieUri::parse("pcie:0000:00:03.0").unwrap()).unwrap();
    let e = d.require_vfio().unwrap_err();
    assert!(e.to_string().contains("intel_iommu=on"), "{e}");
}

#[test]
fn all_ones_means_the_link_is_down() {
    assert_eq!(check_link(u64::MAX), Err(PcieError::LinkDown));
    assert!(PcieError::LinkDown.to_string().contains("rescan"));
    assert_eq!(check_link(u64::from_le_bytes(*b"TKWINDOW")), Ok(()));
}

#[test]
fn unreadable_sysfs_files_are_permission_errors() {
    if is_root() {
        // Root reads everything: check the mapping of the error instead.
        let e = PcieError::NoPermission {
            path: "/sys/x".into(),
        };
        assert!(e.to_string().contains("run as root"));
        return;
    }
    let sys = fake_sysfs(true);
    let vendor = sys.path().join("bus/pci/devices/0000:00:03.0/vendor");
    let mut p = std::fs::metadata(&vendor).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0);
    std::fs::set_permissions(&vendor, p).unwrap();
    let e = discover(sys.path(), &PcieUri::parse("pcie:0000:00:03.0").unwrap()).unwrap_err();
    assert!(matches!(e, PcieError::NoPermission { .. }), "{e}");
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
}

#[test]
fn uris_are_checked() {
    for bad in [
        "pcie:",
        "pcie:0:0",
        "pcie:0000:00:20.0",
        "pcie:0000:00:03.8",
        "pcie:zzzz:00:03.0",
        "sim:x",
        "pcie:0000:00:03.0@1af4",
    ] {
        let e = PcieUri::parse(bad).unwrap_err();
        assert!(e.to_string().contains("pcie:DDDD:BB:DD.F"), "{bad}: {e}");
    }
}
