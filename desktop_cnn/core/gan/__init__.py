"""GANs: the DCGAN generator and discriminator as specs, their training, files and quality."""
