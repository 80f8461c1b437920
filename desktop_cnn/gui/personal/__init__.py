"""Your own handwriting: corrections saved from the Draw tab and fine-tuning on them."""
